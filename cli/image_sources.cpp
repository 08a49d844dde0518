#include "cli/image_sources.hpp"

#include <chrono>

#include <fmt/format.h>

#include "base/error.hpp"

namespace mab::cli {

ImageSources::ImageSources(const std::map<std::string, ImageContext>& contexts, registry::Settings settings,
                           oci::ContentStore& store, ProgressPrinter& progress)
    : m_contexts(contexts), m_settings(std::move(settings)), m_store(store), m_progress(progress) {
    // Layouts are opened now, so a wrong path fails before anything is built.
    for (const auto& [name, context] : m_contexts)
        if (context.kind == ImageContext::Kind::oci_layout) m_layouts.emplace(name, oci::ImageLayout(context.dir));
}

registry::RegistryClient& ImageSources::client() {
    std::lock_guard lock(m_mutex);
    if (!m_client) m_client = std::make_unique<registry::RegistryClient>(m_settings, m_store);
    return *m_client;
}

oci::ResolvedImage ImageSources::resolve(const std::string& name, const oci::Platform& platform) {
    auto context = m_contexts.find(name);
    if (context == m_contexts.end()) {
        try {
            return resolve_in_registry(name, platform);
        } catch (const Error& e) {
            // buildx's wording; for a short name (one that means Docker Hub without
            // saying so), the way to a local image instead.
            const registry::Reference ref = registry::Reference::parse(name);
            Error wrapped(e.kind(), fmt::format("failed to resolve source metadata for {}: {}", ref.str(), e.what()));
            const bool short_name = name.rfind(ref.domain + "/", 0) != 0;
            if (!e.hint().empty())
                wrapped.with_hint(e.hint());
            else if (short_name)
                wrapped.with_hint("to use a local OCI image layout instead: --build-context " + name +
                                  "=oci-layout:///path/to/layout[:tag]");
            throw wrapped;
        }
    }
    if (context->second.kind == ImageContext::Kind::docker_image)
        return resolve_in_registry(context->second.ref, platform);
    if (context->second.kind == ImageContext::Kind::local_dir)  // lowering reads directories itself
        throw Error(ErrorKind::internal, fmt::format("build context \"{}\" is a directory, not an image", name));
    const oci::ImageLayout& layout = m_layouts.at(name);
    oci::ResolvedImage image = layout.resolve(context->second.ref, platform);
    std::lock_guard lock(m_mutex);
    m_from_layout[image.manifest.digest] = &layout;
    return image;
}

oci::ResolvedImage ImageSources::resolve_in_registry(const std::string& ref_text, const oci::Platform& platform) {
    registry::Reference ref = registry::Reference::parse(ref_text);
    registry::RegistryClient& registry = client();
    std::optional<registry::Reference> pinned;
    {
        std::lock_guard lock(m_mutex);
        if (auto found = m_pinned.find(ref.str()); found != m_pinned.end()) pinned = found->second;
    }
    registry::PulledImage pulled;
    if (pinned) {
        pulled = registry.resolve_image(*pinned, platform);
    } else {
        // buildx shows this step once per reference.
        const auto start = std::chrono::steady_clock::now();
        const int step = m_progress.begin_step("[internal] load metadata for " + ref.str());
        pulled = registry.resolve_image(ref, platform);
        m_progress.end_step(step, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
        registry::Reference at_digest = ref;
        at_digest.digest = pulled.root.digest;
        std::lock_guard lock(m_mutex);
        m_pinned.emplace(ref.str(), at_digest);
    }
    std::lock_guard lock(m_mutex);
    m_from_registry[pulled.image.manifest.digest] = ref;
    return pulled.image;
}

void ImageSources::fetch(const oci::Digest& manifest, const std::vector<oci::Descriptor>& blobs,
                         const registry::BlobProgress& on_bytes) {
    const oci::ImageLayout* layout = nullptr;
    std::optional<registry::Reference> ref;
    {
        std::lock_guard lock(m_mutex);
        if (auto found = m_from_layout.find(manifest); found != m_from_layout.end()) layout = found->second;
        if (auto found = m_from_registry.find(manifest); found != m_from_registry.end()) ref = found->second;
    }
    if (layout != nullptr) {
        for (const oci::Descriptor& blob : blobs) layout->import_blob(blob, m_store);
        return;
    }
    if (ref) {
        client().fetch_blobs(*ref, blobs, on_bytes);
        return;
    }
    throw Error(ErrorKind::internal, fmt::format("image {} was not resolved by this build", manifest.str()));
}

} // namespace mab::cli
