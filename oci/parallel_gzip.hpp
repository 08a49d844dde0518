// gzip compression on several cores, as pigz does it: the input is cut into fixed
// 256 KiB blocks, each compressed on its own (raw deflate primed with the previous
// block's last 32 KiB as dictionary, ended with a sync flush; the last block ends the
// stream), and the pieces are written in order under one gzip header and trailer (the
// CRC-32s combined). One ordinary gzip member comes out: any gunzip reads it, the ratio
// is within a fraction of a percent of single-threaded deflate, and the bytes depend only
// on the input and the level, never on the number of threads or how writes were cut.
// Two kinds of block skip deflate's slow search (oci/parallel_gzip_block.hpp): blocks
// as evenly spread as random data are stored as they are, and blocks of one repeated
// byte are compressed once per stream and reused.
#pragma once

#include <memory>

#include "oci/compression.hpp"

namespace mab::oci {

// `threads` workers (0: the machine's cores); they start only once a second block
// exists, so a small layer is compressed on the caller's thread.
std::unique_ptr<Sink> make_parallel_gzip(int level, Sink& out, unsigned threads = 0);

} // namespace mab::oci
