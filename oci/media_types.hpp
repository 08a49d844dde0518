// Media types of the OCI image spec and of Docker's v2 schema 2.
#pragma once

#include <string_view>

namespace mab::oci::media_type {

inline constexpr std::string_view k_oci_index = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view k_oci_manifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view k_oci_config = "application/vnd.oci.image.config.v1+json";
inline constexpr std::string_view k_oci_layer = "application/vnd.oci.image.layer.v1.tar";
inline constexpr std::string_view k_oci_layer_gzip = "application/vnd.oci.image.layer.v1.tar+gzip";
inline constexpr std::string_view k_oci_layer_zstd = "application/vnd.oci.image.layer.v1.tar+zstd";
inline constexpr std::string_view k_oci_layout_version = "1.0.0";

inline constexpr std::string_view k_docker_manifest_list =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view k_docker_manifest =
    "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view k_docker_config = "application/vnd.docker.container.image.v1+json";
inline constexpr std::string_view k_docker_layer_gzip =
    "application/vnd.docker.image.rootfs.diff.tar.gzip";
// Docker has no zstd layer type of its own; moby uses the OCI one in Docker manifests.
inline constexpr std::string_view k_docker_layer = "application/vnd.docker.image.rootfs.diff.tar";

} // namespace mab::oci::media_type

namespace mab::oci {

// Annotation keys mab writes.
inline constexpr std::string_view k_annotation_ref_name = "org.opencontainers.image.ref.name";
inline constexpr std::string_view k_annotation_created = "org.opencontainers.image.created";
// containerd's key for the full image name in an OCI layout index.
inline constexpr std::string_view k_annotation_image_name = "io.containerd.image.name";

} // namespace mab::oci
