#!/usr/bin/env python3
"""Reads what bench/cache.sh checks in an OCI archive (a tar of an OCI layout).

  oci_archive.py artifacts FILE      per platform: "<arch>[/<variant>] <contents of /artifact>"
                                     (read from each image's last layer)
  oci_archive.py biggest-layer FILE  "<media type> <compressed size> <uncompressed size>"
                                     of the first image's biggest layer (gzip or zstd)
"""
import gzip
import io
import json
import subprocess
import sys
import tarfile


def images(path):
    """Yields (tar, blob reader, platform dict, manifest) for each image in the archive."""
    t = tarfile.open(path)

    def blob(digest):
        return t.extractfile("blobs/" + digest.replace(":", "/"))

    top = json.load(blob(json.load(t.extractfile("index.json"))["manifests"][0]["digest"]))
    if "manifests" not in top:  # one platform: index.json names the manifest itself
        yield blob, top.get("platform", {}), top
        return
    for m in top["manifests"]:
        yield blob, m.get("platform", {}), json.load(blob(m["digest"]))


def artifacts(path):
    for blob, platform, manifest in images(path):
        with tarfile.open(fileobj=io.BytesIO(blob(manifest["layers"][-1]["digest"]).read())) as layer:
            art = layer.extractfile("artifact").read().decode().strip()
        name = platform["architecture"] + ("/" + platform["variant"] if "variant" in platform else "")
        print(name, art)


def biggest_layer(path):
    blob, _, manifest = next(images(path))
    layer = max(manifest["layers"], key=lambda entry: entry["size"])
    if layer["mediaType"].endswith("gzip"):
        n = 0
        with gzip.open(blob(layer["digest"])) as f:
            while chunk := f.read(1 << 20):
                n += len(chunk)
    else:  # zstd: Python's standard library has no reader
        unpacked = subprocess.run(["zstd", "-dc"], input=blob(layer["digest"]).read(), capture_output=True, check=True)
        n = len(unpacked.stdout)
    print(layer["mediaType"], layer["size"], n)


if __name__ == "__main__":
    {"artifacts": artifacts, "biggest-layer": biggest_layer}[sys.argv[1]](sys.argv[2])
