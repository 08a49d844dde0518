// Test support: a real docker-registry started by tests/registry/registry_bed.py (plain
// or TLS, no auth / htpasswd / token auth, with its fault-injecting proxy), and small
// images made in a content store or an OCI layout for skopeo to push.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "base/temp_dir.hpp"
#include "oci/content_store.hpp"
#include "oci/descriptor.hpp"
#include "oci/platform.hpp"
#include "registry/settings.hpp"
#include "registry/subprocess.hpp"

namespace mab::registry::testing {

struct BedOptions {
    bool tls = false;
    std::string auth = "none";   // "none" | "basic" | "token"
};

// One request as the fault proxy saw it (tests/registry/registry_bed.py).
struct ProxyEntry {
    std::string method;
    std::string path;
    std::string query;
    std::string range;
    std::string fault;   // empty: passed through
    long status = 0;
};

class RegistryBed {
public:
    explicit RegistryBed(const BedOptions& options);
    ~RegistryBed();

    std::string registry;   // 127.0.0.1:PORT of the registry itself
    std::string proxy;      // 127.0.0.1:PORT of the fault proxy in front of it
    std::string token;      // the token issuer, if auth is "token"
    std::filesystem::path ca;
    std::string user;
    std::string password;
    std::filesystem::path dir;

    // Replaces the proxy's fault rules ({"rules": [...]}, see registry_bed.py).
    void set_faults(const std::string& json) const;
    void set_token_settings(const std::string& json) const;
    std::vector<ProxyEntry> proxy_log() const;
    void clear_proxy_log() const;
    // Token requests: one line of JSON each ({"scopes": [...], "account": ..., "status": ...}).
    std::vector<std::string> token_log() const;

private:
    TempDir m_tmp;
    std::unique_ptr<Subprocess> m_process;
};

// False (and a Catch2 WARN saying why) if docker-registry is not installed.
bool have_registry_tools();

// A bed shared by the tests of this process, started on first use; nullptr (after a
// WARN) if docker-registry is missing.
RegistryBed* shared_bed(const BedOptions& options);

// Settings for tests: quick retries, short stall timeout, a docker config file that
// does not exist (no credentials) unless `docker_config` is given.
Settings test_settings(const std::filesystem::path& work_dir);

// Images made for tests. Layer contents are deterministic for a `seed`.
oci::Descriptor make_layer(oci::ContentStore& store, int seed, size_t size);
// A one-layer (or `layers`-layer) image for `platform`: config + manifest in `store`;
// returns the manifest's descriptor with its platform set.
oci::Descriptor make_image(oci::ContentStore& store, const oci::Platform& platform, int seed, int layers = 1,
                           size_t layer_size = 4096);
oci::Descriptor make_index(oci::ContentStore& store, const std::vector<oci::Descriptor>& manifests);
// Writes oci-layout and index.json (with `tag`) so that a store made on `dir` is an OCI layout.
void finish_oci_layout(const std::filesystem::path& dir, const oci::Descriptor& root, const std::string& tag);

// Runs a program (skopeo, ...) and returns its result; the command line is in INFO.
ProcessResult run(const std::vector<std::string>& argv, const std::string& input = {});

} // namespace mab::registry::testing
