#include "engine/ops/cache_keys.hpp"

#include <fmt/format.h>

#include "engine/ops/context_filter.hpp"

namespace mab::engine::ops {

namespace fs = std::filesystem;

namespace {

// Bump when what a key covers changes meaning: old records then stop matching.
constexpr std::string_view k_key_version = "mab-cache-key-v1";

std::string describe_layer_options(const snapshotter::LayerOptions& o) {
    return fmt::format("layers(compression={} level={} oci={} epoch={})", oci::compression_name(o.compression),
                       o.compression_level ? std::to_string(*o.compression_level) : "-", o.oci_media_types,
                       o.source_date_epoch ? std::to_string(*o.source_date_epoch) : "-");
}

bool is_full_commit(const std::string& ref) {
    return (ref.size() == 40 || ref.size() == 64) &&
           ref.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// The paths an op reads from its input `input` (1-based): a COPY's sources, a RUN
// mount's source ("/" for the whole input).
std::vector<std::string> paths_read_from(const graph::Op& op, int input) {
    std::vector<std::string> paths;
    if (const auto* file = std::get_if<graph::FileOp>(&op)) {
        for (const graph::FileAction& action : file->actions)
            if (const auto* copy = std::get_if<graph::CopyAction>(&action); copy && copy->source_input == input)
                paths.push_back(copy->src);
    } else if (const auto* exec = std::get_if<graph::ExecOp>(&op)) {
        for (const graph::ExecMount& mount : exec->mounts)
            if (mount.input == input) paths.push_back("/" + mount.source);
    }
    return paths;
}

} // namespace

CacheKeys::CacheKeys(std::map<std::string, fs::path> local_sources, snapshotter::LayerOptions layer_options,
                     fs::path stat_cache_dir)
    : m_local_sources(std::move(local_sources)), m_layer_options(describe_layer_options(layer_options)),
      m_stat_cache_dir(std::move(stat_cache_dir)) {}

std::optional<oci::Digest> CacheKeys::key_of(const graph::Vertex& vertex) {
    std::lock_guard lock(m_mutex);
    auto found = m_keys.find(vertex.digest());
    if (found != m_keys.end()) return found->second;
    std::optional<oci::Digest> key = compute(vertex);
    m_keys.emplace(vertex.digest(), key);
    return key;
}

std::optional<oci::Digest> CacheKeys::compute(const graph::Vertex& vertex) {
    const graph::Op& op = vertex.op();
    if (const auto* http = std::get_if<graph::HttpSource>(&op); http && !http->checksum) return std::nullopt;
    if (const auto* git = std::get_if<graph::GitSource>(&op); git && !is_full_commit(git->ref)) return std::nullopt;
    // A local source alone has no key: what a copy reads from it is checksummed below.
    if (std::holds_alternative<graph::LocalSource>(op)) return std::nullopt;

    oci::Sha256 hash;
    hash.update(fmt::format("{}\n{}\n{}\n", k_key_version, graph::describe_op(op), m_layer_options));
    for (size_t i = 0; i < vertex.inputs().size(); ++i) {
        const graph::Vertex& input = *vertex.inputs()[i];
        if (const auto* local = std::get_if<graph::LocalSource>(&input.op())) {
            hash.update(fmt::format("input {} {}\n", i, graph::describe_op(input.op())));
            for (const std::string& src : paths_read_from(op, static_cast<int>(i))) {
                std::optional<oci::Digest> selection = local_selection(*local, src);
                if (!selection) return std::nullopt;
                hash.update(fmt::format("read {} {}\n", src, selection->str()));
            }
            continue;
        }
        std::optional<oci::Digest> input_key = key_of(input);
        if (!input_key) return std::nullopt;
        hash.update(fmt::format("input {} {}\n", i, input_key->str()));
    }
    return hash.finish();
}

std::optional<oci::Digest> CacheKeys::local_selection(const graph::LocalSource& source, const std::string& src) {
    auto dir = m_local_sources.find(source.name);
    if (dir == m_local_sources.end()) return std::nullopt;
    std::unique_ptr<ContextFilter> filter;
    if (!source.exclude_patterns.empty()) filter = std::make_unique<ContextFilter>(source.exclude_patterns);
    return checksum_selection(dir->second, filter.get(), src, stat_cache_for(dir->second));
}

StatCache& CacheKeys::stat_cache_for(const fs::path& dir) {
    std::unique_ptr<StatCache>& cache = m_stat_caches[dir];
    if (!cache) {
        std::error_code ec;
        fs::path absolute = fs::absolute(dir, ec);
        oci::Sha256 name;
        name.update(absolute.string());
        cache = std::make_unique<StatCache>(m_stat_cache_dir / std::string(name.finish().hex()));
    }
    return *cache;
}

void CacheKeys::save() {
    std::lock_guard lock(m_mutex);
    for (auto& [dir, cache] : m_stat_caches) cache->save();
}

} // namespace mab::engine::ops
