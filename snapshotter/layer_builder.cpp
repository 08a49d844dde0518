#include "snapshotter/layer_builder.hpp"

#include "base/error.hpp"
#include "oci/background_hash.hpp"
#include "oci/digest.hpp"

namespace mab::snapshotter {

namespace {

// The end of the chain: compressed bytes into the content store.
class StoreSink : public oci::Sink {
public:
    explicit StoreSink(oci::ContentStore::Writer& writer) : m_writer(writer) {}
    void write(const void* data, size_t size) override { m_writer.write(data, size); }
    void finish() override {}

private:
    oci::ContentStore::Writer& m_writer;
};

// The tar's bytes: hashed for the diff_id (on a thread of its own, beside the reading
// and the compression), then passed on to the compressor.
class DiffIdSink : public oci::Sink {
public:
    explicit DiffIdSink(oci::Sink& next) : m_next(next) {}
    void write(const void* data, size_t size) override {
        m_hash.update(data, size);
        m_next.write(data, size);
    }
    void finish() override { m_next.finish(); }
    oci::Digest digest() { return m_hash.finish(); }
    uint64_t bytes() const { return m_hash.bytes(); }

private:
    oci::Sink& m_next;
    oci::BackgroundSha256 m_hash;
};

} // namespace

// Members in chain order: each one refers only to those declared before it.
struct LayerBuilder::Impl {
    LayerOptions options;
    oci::ContentStore::Writer writer;
    StoreSink store_sink;
    std::unique_ptr<oci::Sink> compressor;  // null for uncompressed layers
    DiffIdSink diff_sink;
    TarWriter tar;
    bool finished = false;

    Impl(oci::ContentStore& store, const LayerOptions& opts)
        : options(opts),
          writer(store),
          store_sink(writer),
          compressor(opts.compression == oci::Compression::none
                         ? nullptr
                         : oci::make_compressor(opts.compression, opts.compression_level,
                                                store_sink)),
          diff_sink(compressor ? *compressor : static_cast<oci::Sink&>(store_sink)),
          tar(diff_sink, opts.source_date_epoch) {}
};

LayerBuilder::LayerBuilder(oci::ContentStore& store, const LayerOptions& options)
    : m_impl(std::make_unique<Impl>(store, options)) {}

LayerBuilder::~LayerBuilder() = default;

TarWriter& LayerBuilder::tar() { return m_impl->tar; }

Layer LayerBuilder::finish() {
    if (m_impl->finished) throw Error(ErrorKind::internal, "LayerBuilder::finish called twice");
    m_impl->finished = true;
    m_impl->tar.finish();  // end blocks, then finishes the compressor
    Layer layer;
    layer.uncompressed_size = m_impl->diff_sink.bytes();
    layer.diff_id = m_impl->diff_sink.digest();
    layer.blob = m_impl->writer.commit(layer_media_type(m_impl->options));
    return layer;
}

} // namespace mab::snapshotter
