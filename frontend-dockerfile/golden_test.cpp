// Data-driven golden tests: one directory per case under testdata/{parse,parse-errors,
// lower,outline}. MAB_UPDATE_GOLDEN=1 rewrites the expected files (review the diff: expected
// files are written from the Dockerfile reference, not accepted from the code).
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <fstream>
#include <map>
#include <sstream>

#include "base/error.hpp"
#include "frontend-dockerfile/dockerfile.hpp"
#include "frontend-dockerfile/go_text.hpp"
#include "frontend-dockerfile/outline.hpp"
#include "frontend-dockerfile/parser.hpp"

namespace fs = std::filesystem;
using namespace mab;
using namespace mab::dockerfile;

namespace {

const fs::path k_testdata = MAB_DOCKERFILE_TESTDATA;

bool updating() {
    const char* v = std::getenv("MAB_UPDATE_GOLDEN");
    return v && std::string(v) == "1";
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path.string());
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::vector<fs::path> cases(const std::string& group) {
    std::vector<fs::path> dirs;
    for (const fs::directory_entry& e : fs::directory_iterator(k_testdata / group))
        if (e.is_directory()) dirs.push_back(e.path());
    std::sort(dirs.begin(), dirs.end());
    return dirs;
}

// Compares `actual` with the expected file, or rewrites it when updating.
void check_golden(const fs::path& expected_file, const std::string& actual) {
    if (updating()) {
        std::ofstream(expected_file, std::ios::binary) << actual;
        return;
    }
    REQUIRE(fs::exists(expected_file));
    INFO("golden file: " << expected_file.string());
    CHECK(read_file(expected_file) == actual);
}

// "Dockerfile:3-4: message" (the location as the CLI shows it).
std::string error_text(const Error& e) {
    std::string where;
    if (e.span()) {
        const SourceSpan& s = *e.span();
        where = s.first_line == s.last_line ? fmt::format("{}:{}: ", s.file, s.first_line)
                                            : fmt::format("{}:{}-{}: ", s.file, s.first_line, s.last_line);
    }
    return where + e.what() + "\n";
}

// A test registry: `image NAME` is a one-layer image whose digests are derived from its
// name and platform, so a graph dump shows which image and platform lowering asked for;
// `image NAME CONFIG-FILE` is an image without layers whose config is that file.
ImageResolver fixed_images(std::map<std::string, std::string> images) {  // name -> config JSON or ""
    return [images](const std::string& name, const oci::Platform& platform) -> std::optional<oci::ResolvedImage> {
        auto found = images.find(name);
        if (found == images.end())
            throw Error(ErrorKind::registry, fmt::format("{}: not found in the test registry", name));
        oci::ResolvedImage image;
        if (!found->second.empty()) {
            image.manifest.media_type = "application/vnd.oci.image.manifest.v1+json";
            image.manifest.digest = oci::sha256_of(found->second);
            image.config = oci::parse_image_config(found->second, name);
            return image;
        }
        std::string id = name + " " + platform.str();
        image.manifest.digest = oci::sha256_of("manifest " + id);
        image.layers.push_back(
            oci::Descriptor{"application/vnd.oci.image.layer.v1.tar+gzip", oci::sha256_of("layer " + id), 100, {}, {}});
        image.config.platform = platform;
        image.config.diff_ids.push_back(oci::sha256_of("diff " + id));
        image.config.config.env = {"PATH=/bin", "IMAGE=" + name};
        return image;
    };
}

LowerRequest read_args(const fs::path& file) {
    LowerRequest request;
    request.target_platform = oci::Platform::parse("linux/amd64");
    request.build_platform = oci::Platform::parse("linux/amd64");
    if (!fs::exists(file)) return request;
    std::map<std::string, std::string> images;  // name -> config JSON
    std::istringstream in(read_file(file));
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        size_t space = line.find(' ');
        std::string key = line.substr(0, space);
        std::string value = space == std::string::npos ? "" : line.substr(space + 1);
        size_t eq = value.find('=');
        if (key == "platform") {
            request.target_platform = oci::Platform::parse(value);
        } else if (key == "build-platform") {
            request.build_platform = oci::Platform::parse(value);
        } else if (key == "target") {
            request.target = value;
        } else if (key == "build-arg") {
            request.build_args[value.substr(0, eq)] = eq == std::string::npos ? "" : value.substr(eq + 1);
        } else if (key == "label") {
            request.labels[value.substr(0, eq)] = eq == std::string::npos ? "" : value.substr(eq + 1);
        } else if (key == "prefix-platform") {
            request.prefix_platform = true;
        } else if (key == "source-date-epoch") {
            request.source_date_epoch = std::stoll(value);
        } else if (key == "exclude") {
            request.context_excludes.push_back(value);  // a .dockerignore pattern, parsed
        } else if (key == "context-local") {
            request.named_contexts[value] = NamedContext{NamedContext::Kind::local_dir, {}};
        } else if (key == "context-exclude") {  // NAME PATTERN
            size_t space2 = value.find(' ');
            request.named_contexts.at(value.substr(0, space2)).exclude_patterns.push_back(value.substr(space2 + 1));
        } else if (key == "image") {  // NAME [CONFIG-FILE]
            size_t space2 = value.find(' ');
            std::string name = value.substr(0, space2);
            images[name] = space2 == std::string::npos ? "" : read_file(file.parent_path() / value.substr(space2 + 1));
        } else if (key == "allow-insecure") {
            request.allow_insecure = true;
        } else if (key == "context-image") {
            request.named_contexts[value] = NamedContext{NamedContext::Kind::image, {}};
        } else {
            FAIL("unknown key in " << file.string() << ": " << key);
        }
    }
    if (!images.empty()) request.resolve_image = fixed_images(images);
    return request;
}

std::string pretty_json(const std::string& json) {
    rapidjson::Document doc;
    doc.Parse(json.c_str());
    REQUIRE_FALSE(doc.HasParseError());
    rapidjson::StringBuffer buffer;
    rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
    writer.SetIndent(' ', 2);
    doc.Accept(writer);
    return std::string(buffer.GetString()) + "\n";
}

// History, one step a line, naming the vertex that makes a layer; then warnings.
std::string history_text(const LoweredImage& image) {
    std::map<oci::Digest, std::string> descriptions;
    std::vector<const engine::graph::Vertex*> todo{image.rootfs.vertex().get()};
    while (!todo.empty()) {
        const engine::graph::Vertex* v = todo.back();
        todo.pop_back();
        descriptions[v->digest()] = v->meta().description;
        for (const engine::graph::VertexRef& input : v->inputs()) todo.push_back(input.get());
    }
    std::string out;
    for (const HistoryStep& step : image.history) {
        out += step.created_by;
        if (step.layer_vertex) {
            auto it = descriptions.find(*step.layer_vertex);
            out += "\n    layer: " + (it == descriptions.end() ? "(not in the graph!)" : it->second);
        }
        out += "\n";
    }
    for (const std::string& w : image.warnings) out += "warning: " + w + "\n";
    return out;
}

// For a case with an error.txt: `attempt` must throw Error(dockerfile) with that text.
// Returns whether the case expects an error.
bool check_expected_error(const fs::path& dir, const std::function<void()>& attempt) {
    if (!fs::exists(dir / "error.txt")) return false;
    std::string text;
    try {
        attempt();
        FAIL("succeeded, an error was expected");
    } catch (const Error& e) {
        // An image the test registry lacks keeps the resolver's kind (its exit code).
        CHECK((e.kind() == ErrorKind::dockerfile || e.kind() == ErrorKind::registry));
        text = error_text(e);
    }
    check_golden(dir / "error.txt", text);
    return true;
}

// The targets list, then the outline: one line each, values Go-quoted.
std::string outline_text(const ParsedDockerfile& parsed, const LowerRequest& request) {
    std::string out;
    for (const TargetInfo& t : list_targets(parsed))
        out += fmt::format("target {} default={} base={} platform={} line={} description={}\n", go_quote(t.name),
                           t.is_default, go_quote(t.base), go_quote(t.platform), t.first_line, go_quote(t.description));
    Outline outline = dockerfile::outline(parsed, request);
    out += fmt::format("outline name={} description={}\n", go_quote(outline.name), go_quote(outline.description));
    for (const OutlineArg& a : outline.args)
        out += fmt::format("arg {}={} line={} description={}\n", a.name, go_quote(a.value), a.first_line,
                           go_quote(a.description));
    return out;
}

} // namespace

TEST_CASE("parse golden cases") {
    for (const fs::path& dir : cases("parse")) {
        DYNAMIC_SECTION(dir.filename().string()) {
            std::shared_ptr<const ParsedDockerfile> parsed =
                parse(read_file(dir / "Dockerfile"), "Dockerfile");
            check_golden(dir / "ast.txt", dump_syntax(*parsed));
        }
    }
}

TEST_CASE("parse error golden cases") {
    for (const fs::path& dir : cases("parse-errors")) {
        DYNAMIC_SECTION(dir.filename().string()) {
            std::string text;
            try {
                parse(read_file(dir / "Dockerfile"), "Dockerfile");
                FAIL("parsing succeeded, an error was expected");
            } catch (const Error& e) {
                CHECK(e.kind() == ErrorKind::dockerfile);
                text = error_text(e);
            }
            check_golden(dir / "error.txt", text);
        }
    }
}

TEST_CASE("lower golden cases") {
    for (const fs::path& dir : cases("lower")) {
        DYNAMIC_SECTION(dir.filename().string()) {
            std::shared_ptr<const ParsedDockerfile> parsed =
                parse(read_file(dir / "Dockerfile"), "Dockerfile");
            LowerRequest request = read_args(dir / "args.txt");
            if (check_expected_error(dir, [&] { lower(*parsed, request); })) continue;
            LoweredImage image = lower(*parsed, request);
            check_golden(dir / "graph.txt", engine::graph::dump_graph({image.rootfs.vertex()}));
            check_golden(dir / "config.json", pretty_json(oci::to_json(image.config)));
            check_golden(dir / "history.txt", history_text(image));
            // Lowering is a pure function of its inputs: a second run gives the same graph.
            LoweredImage again = lower(*parsed, request);
            CHECK(again.rootfs.vertex()->digest() == image.rootfs.vertex()->digest());
        }
    }
}

TEST_CASE("outline golden cases") {
    for (const fs::path& dir : cases("outline")) {
        DYNAMIC_SECTION(dir.filename().string()) {
            std::shared_ptr<const ParsedDockerfile> parsed = parse(read_file(dir / "Dockerfile"), "Dockerfile");
            LowerRequest request = read_args(dir / "args.txt");
            if (check_expected_error(dir, [&] { outline_text(*parsed, request); })) continue;
            check_golden(dir / "outline.txt", outline_text(*parsed, request));
        }
    }
}
