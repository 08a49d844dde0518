#include "registry/test_support/registry_bed.hpp"

#include <catch2/catch.hpp>
#include <poll.h>
#include <signal.h>
#include <rapidjson/document.h>
#include <unistd.h>

#include <fstream>
#include <map>

#include <fmt/format.h>

#include "base/atomic_file.hpp"
#include "base/error.hpp"
#include "oci/image.hpp"
#include "oci/media_types.hpp"

#ifndef MAB_SOURCE_ROOT
#error "MAB_SOURCE_ROOT must name the source tree (for tests/registry/registry_bed.py)"
#endif

namespace mab::registry::testing {

namespace fs = std::filesystem;

namespace {

std::string member(const rapidjson::Value& v, const char* key) {
    return v.HasMember(key) && v[key].IsString() ? v[key].GetString() : "";
}

// Reads one line from `fd` within `seconds`.
std::string read_line(int fd, int seconds) {
    std::string line;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (line.empty() || line.back() != '\n') {
        pollfd p{fd, POLLIN, 0};
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
        char c = 0;
        if (::read(fd, &c, 1) != 1) break;
        line += c;
    }
    return line;
}

std::string read_all(int fd) {
    std::string out;
    char buf[4096];
    ssize_t n = 0;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
    return out;
}

} // namespace

bool have_registry_tools() {
    for (const char* tool : {"docker-registry", "openssl", "htpasswd", "python3"}) {
        if (find_program(tool).empty()) {
            WARN(fmt::format("SKIPPED: {} is not installed (scripts/setup.sh installs it); registry tests did not run",
                             tool));
            return false;
        }
    }
    return true;
}

RegistryBed::RegistryBed(const BedOptions& options) : m_tmp(fs::temp_directory_path(), "mab-registry-bed-") {
    dir = m_tmp.path() / "bed";
    std::vector<std::string> argv{"python3", std::string(MAB_SOURCE_ROOT) + "/tests/registry/registry_bed.py",
                                  "--dir", dir.string(), "--auth", options.auth};
    if (options.tls) argv.push_back("--tls");
    m_process = std::make_unique<Subprocess>(argv);
    std::string line = read_line(m_process->stdout_fd(), 30);
    rapidjson::Document doc;
    doc.Parse(line.c_str());
    if (doc.HasParseError() || !doc.IsObject()) {
        m_process->kill(SIGKILL);
        m_process->wait();
        throw Error(ErrorKind::internal, fmt::format("registry bed did not start: {}{}", line,
                                                     read_all(m_process->stderr_fd())));
    }
    registry = member(doc, "registry");
    proxy = member(doc, "proxy");
    token = member(doc, "token");
    ca = member(doc, "ca");
    user = member(doc, "user");
    password = member(doc, "password");
}

RegistryBed::~RegistryBed() {
    // Closing stdin asks the bed to stop its registry; a bed that does not stop in time
    // is killed by the Subprocess destructor (and its registry by PR_SET_PDEATHSIG).
    m_process->close_stdin();
    m_process->wait_for(std::chrono::seconds(10));
}

void RegistryBed::set_faults(const std::string& json) const {
    write_file_atomically(dir / "faults.json", json);
}

void RegistryBed::set_token_settings(const std::string& json) const {
    write_file_atomically(dir / "token-settings.json", json);
}

std::vector<ProxyEntry> RegistryBed::proxy_log() const {
    std::vector<ProxyEntry> out;
    std::ifstream in(dir / "proxy.log");
    std::string line;
    while (std::getline(in, line)) {
        rapidjson::Document doc;
        doc.Parse(line.c_str());
        if (doc.HasParseError()) continue;
        ProxyEntry e{member(doc, "method"), member(doc, "path"), member(doc, "query"), member(doc, "range"),
                     member(doc, "fault"), doc.HasMember("status") && doc["status"].IsInt() ? doc["status"].GetInt() : 0};
        out.push_back(std::move(e));
    }
    return out;
}

void RegistryBed::clear_proxy_log() const {
    write_file_atomically(dir / "proxy.log", "");
}

std::vector<std::string> RegistryBed::token_log() const {
    std::vector<std::string> out;
    std::ifstream in(dir / "token.log");
    std::string line;
    while (std::getline(in, line)) out.push_back(line);
    return out;
}

RegistryBed* shared_bed(const BedOptions& options) {
    static std::map<std::string, std::unique_ptr<RegistryBed>> beds;
    static bool tools = have_registry_tools();
    if (!tools) {
        WARN("SKIPPED: docker-registry is not installed; this registry test did not run");
        return nullptr;
    }
    std::string key = fmt::format("{}/{}", options.tls, options.auth);
    std::unique_ptr<RegistryBed>& bed = beds[key];
    if (!bed) bed = std::make_unique<RegistryBed>(options);
    return bed.get();
}

Settings test_settings(const fs::path& work_dir) {
    Settings s;
    s.docker_config = work_dir / "no-docker-config.json";
    s.retry.initial_delay = std::chrono::milliseconds(20);
    s.retry.max_delay = std::chrono::milliseconds(200);
    s.retry.max_retry_after = std::chrono::seconds(5);
    s.timeouts.connect = std::chrono::seconds(5);
    s.timeouts.stall = std::chrono::seconds(5);
    return s;
}

oci::Descriptor make_layer(oci::ContentStore& store, int seed, size_t size) {
    // Pseudo-random bytes, stored as an uncompressed layer: registries do not look
    // inside layers, and the size is what chunked-upload tests need.
    oci::ContentStore::Writer writer(store);
    uint64_t x = 0x9E3779B97F4A7C15ULL * static_cast<uint64_t>(seed + 1);
    std::string block(size, '\0');
    for (char& c : block) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        c = static_cast<char>(x & 0xff);
    }
    writer.write(block);
    return writer.commit(std::string(oci::media_type::k_oci_layer));
}

oci::Descriptor make_image(oci::ContentStore& store, const oci::Platform& platform, int seed, int layers,
                           size_t layer_size) {
    oci::ImageConfig config;
    config.created = "1970-01-01T00:00:00Z";
    config.platform = platform;
    config.config.env = {fmt::format("SEED={}", seed)};
    oci::ImageManifest manifest;
    manifest.media_type = std::string(oci::media_type::k_oci_manifest);
    for (int i = 0; i < layers; ++i) {
        oci::Descriptor layer = make_layer(store, seed * 100 + i, layer_size);
        manifest.layers.push_back(layer);
        // The diff_id is not checked by registries; a stand-in digest of the seed will do.
        config.diff_ids.push_back(oci::sha256_of(fmt::format("diff {} {}", seed, i)));
    }
    manifest.config = store.put(oci::to_json(config), std::string(oci::media_type::k_oci_config));
    oci::Descriptor desc = store.put(oci::to_json(manifest), manifest.media_type);
    desc.platform = platform;
    return desc;
}

oci::Descriptor make_index(oci::ContentStore& store, const std::vector<oci::Descriptor>& manifests) {
    oci::ImageIndex index;
    index.media_type = std::string(oci::media_type::k_oci_index);
    index.manifests = manifests;
    return store.put(oci::to_json(index), index.media_type);
}

void finish_oci_layout(const fs::path& dir, const oci::Descriptor& root, const std::string& tag) {
    oci::ImageIndex index;
    index.media_type = std::string(oci::media_type::k_oci_index);
    oci::Descriptor entry = root;
    entry.platform.reset();
    entry.annotations[std::string(oci::k_annotation_ref_name)] = tag;
    index.manifests.push_back(entry);
    write_file_atomically(dir / "index.json", oci::to_json(index));
    write_file_atomically(dir / "oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
    fs::remove_all(dir / "ingest");
}

ProcessResult run(const std::vector<std::string>& argv, const std::string& input) {
    std::string line;
    for (const std::string& a : argv) line += (line.empty() ? "" : " ") + a;
    INFO("running: " << line);
    ProcessResult r = run_process(argv, input, std::chrono::seconds(120));
    if (r.exit_code != 0) UNSCOPED_INFO(line << " exited " << r.exit_code << ": " << r.err);
    return r;
}

} // namespace mab::registry::testing
