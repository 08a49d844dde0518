#include "exporter/exporter.hpp"

#include <fmt/format.h>

#include <filesystem>

#include "base/error.hpp"
#include "base/temp_dir.hpp"
#include "exporter/docker_archive.hpp"
#include "exporter/image_assembly.hpp"
#include "exporter/local_output.hpp"
#include "exporter/oci_layout.hpp"
#include "exporter/output_file.hpp"
#include "exporter/registry_push.hpp"

namespace mab::exporter {

namespace {

ExportResult result_of(const AssembledImages& assembled) {
    ExportResult result;
    result.root = assembled.root;
    if (assembled.config_digests.size() == 1) result.config_digest = assembled.config_digests.front();
    return result;
}

void require_dest(const OutputSpec& spec, const char* type) {
    if (spec.dest.empty())
        throw Error(ErrorKind::usage,
                    std::string("output type ") + type + " needs a destination: -o type=" + type +
                        ",dest=<path> (or dest=- for stdout)");
}

// The image's blobs, with buildx's lines for them: "exporting layers done" (the layer
// blobs were written while building), then each platform's manifest and config, then
// the index of several platforms.
AssembledImages assemble_announced(const ImageSet& images, const OutputSpec& spec, oci::ContentStore& store,
                                   const ExportEnvironment& environment) {
    auto say = [&](const std::string& line) {
        if (environment.progress) environment.progress(line);
    };
    say("exporting layers done");
    AssembledImages assembled = assemble_images(images, spec.uses_oci_mediatypes(), store);
    for (size_t i = 0; i < assembled.manifests.size(); ++i) {
        say(fmt::format("exporting manifest {} done", assembled.manifests[i].digest.str()));
        say(fmt::format("exporting config {} done", assembled.config_digests[i].str()));
    }
    if (assembled.manifests.size() > 1)
        say(fmt::format("exporting manifest list {} done", assembled.root.digest.str()));
    return assembled;
}

ExportResult export_oci(const ImageSet& images, const OutputSpec& spec, oci::ContentStore& store,
                        const ExportEnvironment& environment) {
    AssembledImages assembled = assemble_announced(images, spec, store, environment);
    if (!spec.tar) {
        write_layout_dir(assembled, spec.names, store, spec.dest, environment.output_progress);
    } else {
        OutputFile file(spec.dest);
        write_layout_tar(assembled, spec.names, store, file.fd(), spec.source_date_epoch.value_or(0), {},
                         environment.output_progress);
        file.commit();
    }
    return result_of(assembled);
}

ExportResult export_docker(const ImageSet& images, const OutputSpec& spec, oci::ContentStore& store,
                           const ExportEnvironment& environment) {
    if (images.images.size() > 1)
        throw Error(ErrorKind::usage, "docker exporter does not currently support exporting manifest lists")
            .with_hint("build one platform per docker tarball, or use -o type=oci,dest=out.tar for a "
                       "multi-platform image (podman load and skopeo read it)");
    AssembledImages assembled = assemble_announced(images, spec, store, environment);
    OutputFile file(spec.dest);
    write_layout_tar(assembled, spec.names, store, file.fd(), spec.source_date_epoch.value_or(0),
                     {{"manifest.json", docker_manifest_json(assembled, spec.names)}}, environment.output_progress);
    file.commit();
    return result_of(assembled);
}

} // namespace

const char* output_type_name(OutputType type) {
    switch (type) {
    case OutputType::oci: return "oci";
    case OutputType::docker: return "docker";
    case OutputType::local: return "local";
    case OutputType::tar: return "tar";
    case OutputType::image: return "image";
    }
    return "unknown";
}

void check_output(const OutputSpec& spec) {
    switch (spec.type) {
    case OutputType::oci:
        require_dest(spec, "oci");
        if (!spec.tar && spec.dest == "-")
            throw Error(ErrorKind::usage, "output type oci with tar=false needs a directory, not dest=-");
        return;
    case OutputType::docker: return require_dest(spec, "docker");
    case OutputType::local: return require_dest(spec, "local");
    case OutputType::tar: return require_dest(spec, "tar");
    case OutputType::image: return check_push_output(spec);
    }
}

ExportResult export_images(const ImageSet& images, const OutputSpec& spec, oci::ContentStore& store,
                           const ExportEnvironment& environment) {
    check_output(spec);
    switch (spec.type) {
    case OutputType::oci:
        return export_oci(images, spec, store, environment);
    case OutputType::docker:
        return export_docker(images, spec, store, environment);
    case OutputType::local:
        write_local_output(images, spec.dest, environment.output_progress);
        return {};
    case OutputType::tar:
        write_rootfs_tar_output(images, spec.dest, spec.source_date_epoch.value_or(-1), environment.output_progress);
        return {};
    case OutputType::image:
        return push_images(images, spec, store, environment);
    }
    throw Error(ErrorKind::internal, "unknown output type");
}

} // namespace mab::exporter
