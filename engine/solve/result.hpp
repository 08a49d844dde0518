// What solving a vertex yields: an immutable filesystem and the layers that build it.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "oci/digest.hpp"
#include "snapshotter/layer.hpp"

namespace mab::engine {

struct LayerRecord {
    snapshotter::Layer layer;
    oci::Digest vertex;        // the vertex that produced it
    std::string description;   // its progress label, for image history
};

struct Ref {
    std::filesystem::path rootfs;     // read-only from here on
    std::vector<LayerRecord> layers;  // bottom first; empty for scratch and sources
    // The committed snapshot holding rootfs (engine/ops keys snapshots by vertex
    // digest); empty when rootfs is not a snapshot (a local source).
    std::string snapshot = {};
    // A cache hit: the layers are known (their blobs are in the store) but no snapshot
    // holds them yet (rootfs and snapshot empty); the runner builds one from the layers
    // when an op or an exporter needs the files.
    bool lazy = false;
};

} // namespace mab::engine
