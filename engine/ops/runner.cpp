#include "engine/ops/runner.hpp"

#include <sys/stat.h>

#include <ctime>
#include <future>
#include <set>
#include <type_traits>
#include <variant>

#include <fmt/format.h>

#include "base/error.hpp"
#include "base/format.hpp"
#include "engine/ops/copy_to_layer.hpp"
#include "engine/ops/exec_op.hpp"
#include "engine/ops/file_op.hpp"
#include "engine/ops/context_filter.hpp"
#include "engine/ops/git_source.hpp"
#include "engine/ops/http_source.hpp"
#include "engine/ops/image_source.hpp"
#include "snapshotter/layer_apply.hpp"

namespace mab::engine {

namespace {

// How a copy's "not found" message names an input.
std::string input_label(const graph::Vertex& input) {
    if (const auto* local = std::get_if<graph::LocalSource>(&input.op())) {
        if (local->name == "context") return "the build context";
        return fmt::format("build context \"{}\"", local->name);
    }
    return "the source";
}

} // namespace

Runner::Runner(RunnerConfig config) : m_config(std::move(config)) {
    if (m_config.store == nullptr || m_config.snapshots == nullptr) {
        throw Error(ErrorKind::internal, "Runner needs a content store and a snapshotter");
    }
}

bool Runner::reports_progress(const graph::Vertex& vertex) const {
    return std::holds_alternative<graph::FileOp>(vertex.op()) || std::holds_alternative<graph::ExecOp>(vertex.op()) ||
           std::holds_alternative<graph::ImageSource>(vertex.op()) ||
           std::holds_alternative<graph::HttpSource>(vertex.op()) ||
           std::holds_alternative<graph::GitSource>(vertex.op()) ||
           std::holds_alternative<graph::MergeOp>(vertex.op());
}

namespace {

// Ops whose results are layers worth a cache record (sources are cheap or not cacheable).
bool makes_cache_records(const graph::Op& op) {
    return std::holds_alternative<graph::FileOp>(op) || std::holds_alternative<graph::ExecOp>(op) ||
           std::holds_alternative<graph::MergeOp>(op);
}

} // namespace

bool Runner::cancelled(const std::atomic<bool>& stopping) const {
    return stopping || (m_config.cancelled && m_config.cancelled());
}

bool Runner::cache_filtered(const graph::Vertex& vertex) {
    if (m_config.no_cache_stages.empty()) return false;
    std::lock_guard lock(m_filtered_mutex);
    // Iterative: inputs' answers first, so deep graphs cannot overflow the stack.
    std::vector<std::pair<const graph::Vertex*, bool>> stack{{&vertex, false}};
    while (!stack.empty()) {
        auto [v, inputs_done] = stack.back();
        stack.pop_back();
        if (m_filtered.count(v->digest())) continue;
        if (!inputs_done) {
            stack.push_back({v, true});
            for (const graph::VertexRef& input : v->inputs())
                if (!m_filtered.count(input->digest())) stack.push_back({input.get(), false});
            continue;
        }
        bool filtered = m_config.no_cache_stages.count(v->meta().stage) > 0;
        for (const graph::VertexRef& input : v->inputs()) filtered = filtered || m_filtered.at(input->digest());
        m_filtered[v->digest()] = filtered;
    }
    return m_filtered.at(vertex.digest());
}

std::optional<Ref> Runner::cached(const graph::Vertex& vertex) {
    if (m_config.records == nullptr || m_config.cache_keys == nullptr || !m_config.use_cache ||
        !makes_cache_records(vertex.op()) || cache_filtered(vertex))
        return std::nullopt;
    std::optional<oci::Digest> key = m_config.cache_keys->key_of(vertex);
    if (!key) return std::nullopt;
    std::optional<cache::CacheRecord> record = m_config.records->find(*key);
    if (!record) return std::nullopt;
    Ref ref;
    ref.lazy = true;
    ref.snapshot = std::string(key->hex());
    for (const cache::CachedLayer& layer : record->layers)
        ref.layers.push_back({layer.layer, layer.vertex, layer.description});
    return ref;
}

void Runner::record(const graph::Vertex& vertex, const Ref& ref) {
    if (m_config.records == nullptr || m_config.cache_keys == nullptr || !makes_cache_records(vertex.op())) return;
    std::optional<oci::Digest> key = m_config.cache_keys->key_of(vertex);
    if (!key) return;
    cache::CacheRecord record;
    record.key = *key;
    record.description = vertex.meta().description;
    record.created = static_cast<int64_t>(std::time(nullptr));
    for (const LayerRecord& layer : ref.layers) record.layers.push_back({layer.layer, layer.vertex, layer.description});
    m_config.records->put(record);
}

std::vector<oci::Digest> Runner::cache_keys_for(const std::vector<graph::VertexRef>& roots, bool final_only) {
    std::vector<oci::Digest> keys;
    if (m_config.cache_keys == nullptr) return keys;
    std::set<oci::Digest> seen_vertices, seen_keys;
    std::vector<const graph::Vertex*> todo;
    for (const graph::VertexRef& root : roots) todo.push_back(root.get());
    while (!todo.empty()) {
        const graph::Vertex* v = todo.back();
        todo.pop_back();
        if (!seen_vertices.insert(v->digest()).second) continue;
        if (makes_cache_records(v->op())) {
            if (std::optional<oci::Digest> key = m_config.cache_keys->key_of(*v); key && seen_keys.insert(*key).second)
                keys.push_back(*key);
        }
        for (size_t i = 0; i < v->inputs().size() && (!final_only || i == 0); ++i) todo.push_back(v->inputs()[i].get());
    }
    return keys;
}

Ref Runner::materialize(const Ref& ref) {
    if (!ref.lazy) return ref;
    // Each cache hit's files are built once; other hits are built meanwhile (the lock
    // only guards the map), and a second asker waits for the first one's result.
    std::promise<Ref> promise;
    std::shared_future<Ref> result;
    bool builder = false;
    {
        std::lock_guard lock(m_materialized_mutex);
        auto found = m_materialized.find(ref.snapshot);
        if (found != m_materialized.end()) {
            result = found->second;
        } else {
            result = promise.get_future().share();
            m_materialized.emplace(ref.snapshot, result);
            builder = true;
        }
    }
    if (builder) {
        try {
            // Its own snapshot key, apart from vertex-digest keys: "c" + the cache key.
            promise.set_value(build_snapshot_keyed("c" + ref.snapshot.substr(0, 40), nullptr, [&](Ref& built) {
                snapshotter::RootFs root(built.rootfs);
                for (const LayerRecord& layer : ref.layers)
                    snapshotter::apply_layer(m_config.store->path_of(layer.layer.blob.digest), root);
                built.layers = ref.layers;
            }));
        } catch (...) {
            promise.set_exception(std::current_exception());
        }
    }
    return result.get();
}

Ref Runner::run(const graph::Vertex& vertex, const std::vector<Ref>& given_inputs, ProgressSink& progress,
                const std::atomic<bool>& stopping) {
    if (cancelled(stopping)) throw Error(ErrorKind::cancelled, "build cancelled");
    // Cache hits among the inputs get their files now, where this op reads them (a merge
    // reads only its base's; the other inputs give their layers as they are).
    std::vector<Ref> inputs = given_inputs;
    for (size_t i = 0; i < inputs.size(); ++i)
        if (inputs[i].lazy && (i == 0 || !std::holds_alternative<graph::MergeOp>(vertex.op())))
            inputs[i] = materialize(inputs[i]);
    Ref ref = run_op(vertex, inputs, progress, stopping);
    record(vertex, ref);
    return ref;
}

Ref Runner::run_op(const graph::Vertex& vertex, const std::vector<Ref>& inputs, ProgressSink& progress,
                   const std::atomic<bool>& stopping) {
    return std::visit(
        [&](const auto& op) -> Ref {
            using T = std::decay_t<decltype(op)>;
            if constexpr (std::is_same_v<T, graph::ScratchSource>) {
                return run_scratch(vertex);
            } else if constexpr (std::is_same_v<T, graph::ExecOp>) {
                // Emulation first: a platform that cannot run is refused before the input
                // is copied into a snapshot.
                ops::ExecContext context{[this, &stopping] { return cancelled(stopping); }, {}, &m_qemu_versions, op_inputs(vertex, inputs),
                                         &m_config.run_mounts};
                if (m_config.prepare_platform) context.emulator = m_config.prepare_platform(op.platform);
                // Tell the progress view where this RUN runs (its summary adds up qemu time).
                const VertexInfo info{vertex.digest(), vertex.meta().description, op.platform.str(),
                                      !context.emulator.empty()};
                progress.placed(info);
                return run_on_snapshot(vertex, inputs, [&](const std::filesystem::path& rootfs) {
                    ops::run_exec(op, rootfs, info, progress, context);
                });
            } else if constexpr (std::is_same_v<T, graph::ImageSource>) {
                return run_image(vertex, op, progress);
            } else if constexpr (std::is_same_v<T, graph::LocalSource>) {
                return run_local(op);
            } else if constexpr (std::is_same_v<T, graph::HttpSource>) {
                return run_http(vertex, op);
            } else if constexpr (std::is_same_v<T, graph::GitSource>) {
                return run_git(vertex, op);
            } else if constexpr (std::is_same_v<T, graph::MergeOp>) {
                return run_merge(vertex, inputs);
            } else {
                return run_file(vertex, op, inputs);
            }
        },
        vertex.op());
}

Ref Runner::run_scratch(const graph::Vertex& vertex) {
    return build_snapshot(vertex, nullptr, [](Ref&) {});
}

Ref Runner::run_image(const graph::Vertex& vertex, const graph::ImageSource& image, ProgressSink& progress) {
    ops::BlobFetcher fetch;
    if (m_config.fetch_image_blobs) {
        // Layer bytes show under this vertex, as buildx shows a pull under its FROM.
        fetch = [&](const oci::Digest& manifest, const std::vector<oci::Descriptor>& blobs) {
            const VertexInfo info{vertex.digest(), vertex.meta().description};
            m_config.fetch_image_blobs(manifest, blobs, [&](const oci::Descriptor& blob, uint64_t done) {
                progress.transfer(info, {blob.digest.str(), done, static_cast<uint64_t>(blob.size)});
            });
        };
    }
    return build_snapshot(vertex, nullptr, [&](Ref& ref) {
        ref.layers = ops::unpack_image(image, vertex.digest(), vertex.meta().description, *m_config.store, fetch,
                                       ref.rootfs);
    });
}

Ref Runner::run_http(const graph::Vertex& vertex, const graph::HttpSource& source) {
    return build_snapshot(vertex, nullptr,
                          [&](Ref& ref) { ops::download_http_source(source, m_http, ref.rootfs); });
}

Ref Runner::run_git(const graph::Vertex& vertex, const graph::GitSource& source) {
    return build_snapshot(vertex, nullptr, [&](Ref& ref) { ops::fetch_git_source(source, ref.rootfs); });
}

Ref Runner::run_merge(const graph::Vertex& vertex, const std::vector<Ref>& inputs) {
    if (inputs.empty()) throw Error(ErrorKind::internal, "merge without a base input");
    return build_snapshot(vertex, &inputs[0], [&](Ref& ref) {
        ref.layers = inputs[0].layers;
        snapshotter::RootFs root(ref.rootfs);
        for (size_t i = 1; i < inputs.size(); ++i) {
            for (const LayerRecord& record : inputs[i].layers) {
                // The blob the input's op wrote, applied as it is: its digest stays the layer's.
                snapshotter::apply_layer(m_config.store->path_of(record.layer.blob.digest), root);
                ref.layers.push_back(record);
            }
        }
    });
}

Ref Runner::run_local(const graph::LocalSource& source) const {
    ops::ContextFilter check(source.exclude_patterns);  // malformed patterns fail before any copy
    auto found = m_config.local_sources.find(source.name);
    if (found == m_config.local_sources.end()) {
        throw Error(ErrorKind::input, fmt::format("local source \"{}\" was not provided", source.name));
    }
    struct stat st {};
    if (::stat(found->second.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
        throw Error(ErrorKind::input, fmt::format("local source \"{}\": {} is not a directory",
                                                  source.name, found->second));
    }
    // Read in place: copies read it through RootFs and never write to it.
    Ref ref;
    ref.rootfs = found->second;
    return ref;
}

Ref Runner::run_file(const graph::Vertex& vertex, const graph::FileOp& op,
                     const std::vector<Ref>& inputs) {
    std::vector<ops::FileOpInput> file_inputs = op_inputs(vertex, inputs);
    // A copy onto an empty tree goes straight into its layer; its files are made only if
    // a later step reads them (materialize), as for a cache hit.
    if (std::optional<ops::DirectCopyResult> direct =
            ops::copy_to_layer(op, file_inputs, *m_config.store, m_config.layer_options)) {
        Ref ref;
        ref.lazy = true;
        ref.snapshot = std::string(vertex.digest().hex());
        ref.layers = inputs[0].layers;
        if (direct->layer) ref.layers.push_back({*direct->layer, vertex.digest(), vertex.meta().description});
        return ref;
    }
    return run_on_snapshot(vertex, inputs,
                       [&](const std::filesystem::path& rootfs) { ops::apply_file_op(op, rootfs, file_inputs); });
}

std::vector<ops::FileOpInput> Runner::op_inputs(const graph::Vertex& vertex, const std::vector<Ref>& inputs) const {
    std::vector<ops::FileOpInput> op_inputs;
    for (size_t i = 0; i < inputs.size(); ++i) {
        const graph::Vertex& input = *vertex.inputs().at(i);
        ops::FileOpInput op_input{inputs[i].rootfs, input_label(input)};
        op_input.key = input.digest().str();
        // A local source is read in place; its exclude patterns decide what copies see.
        const auto* local = std::get_if<graph::LocalSource>(&input.op());
        op_input.local_source = local != nullptr;
        if (local != nullptr && !local->exclude_patterns.empty()) {
            op_input.filter = std::make_shared<const ops::ContextFilter>(local->exclude_patterns);
            op_input.ref_name = local->name;
            auto origin = m_config.exclude_origins.find(local->name);
            op_input.filter_origin = origin != m_config.exclude_origins.end() ? origin->second : "exclude patterns";
        }
        op_inputs.push_back(std::move(op_input));
    }
    return op_inputs;
}

Ref Runner::run_on_snapshot(const graph::Vertex& vertex, const std::vector<Ref>& inputs,
                        const std::function<void(const std::filesystem::path&)>& change) {
    if (inputs.empty()) throw Error(ErrorKind::internal, "op without a base input");
    const Ref& base = inputs[0];
    return build_snapshot(vertex, &base, [&](Ref& ref) {
        change(ref.rootfs);
        std::optional<snapshotter::Layer> layer =
            m_config.snapshots->diff(ref.snapshot, *m_config.store, m_config.layer_options);
        ref.layers = base.layers;
        if (layer) ref.layers.push_back({*layer, vertex.digest(), vertex.meta().description});
    });
}

Ref Runner::build_snapshot(const graph::Vertex& vertex, const Ref* base, const std::function<void(Ref&)>& fill) {
    return build_snapshot_keyed(std::string(vertex.digest().hex()), base, fill);
}

Ref Runner::build_snapshot_keyed(const std::string& key, const Ref* base, const std::function<void(Ref&)>& fill) {
    snapshotter::Snapshotter& snapshots = *m_config.snapshots;
    // Each key is built once per build; a snapshot of this key is left from an earlier
    // process (snapshots live in a build's work dir) and rebuilt rather than trusted.
    if (snapshots.exists(key)) snapshots.remove(key);
    if (base != nullptr && base->snapshot.empty()) {
        // Only snapshots are changed by ops; sources such as the build context are read.
        throw Error(ErrorKind::internal, "an op's first input must be a snapshot, not " + base->rootfs.string());
    }
    Ref ref;
    ref.snapshot = key;
    try {
        ref.rootfs = snapshots.prepare(key, base ? std::optional<std::string>(base->snapshot) : std::nullopt);
        fill(ref);
        ref.rootfs = snapshots.commit(key);
    } catch (...) {
        // Drop the half-built tree; a failure to do so must not hide the real error.
        try {
            snapshots.remove(key);
        } catch (const std::exception&) {
        }
        throw;
    }
    return ref;
}

} // namespace mab::engine
