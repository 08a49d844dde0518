#include "frontend-dockerfile/instructions.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <map>

#include "frontend-dockerfile/command_line.hpp"
#include "frontend-dockerfile/flags.hpp"
#include "frontend-dockerfile/healthcheck.hpp"
#include "frontend-dockerfile/parser.hpp"
#include "frontend-dockerfile/word_expansion.hpp"
#include "frontend-dockerfile/run_mount.hpp"
#include "base/suggest.hpp"

namespace mab::dockerfile {

namespace {

Error fail(const std::string& message) { return Error(ErrorKind::dockerfile, message); }

std::string one_argument(const RawInstruction& raw) {
    if (raw.args.empty()) throw fail(raw.keyword + " requires exactly one argument");
    return raw.args;
}

// The argument words of instructions that take a JSON array or blank-separated words.
std::vector<std::string> list_arguments(const RawInstruction& raw) {
    return raw.json ? *raw.json : split_whitespace(raw.args);
}

CommandForm command_form(const RawInstruction& raw) {
    if (raw.json) return {*raw.json, false};
    if (raw.args.empty()) return {{}, true};
    return {{raw.args}, true};
}

// ENV and LABEL: "key=value …", or the legacy "key value with spaces".
std::vector<KeyValue> name_values(const RawInstruction& raw, char escape) {
    std::vector<std::string> words = split_quoted_words(raw.args, escape);
    if (words.empty()) throw fail(raw.keyword + " requires at least one argument");
    std::vector<KeyValue> pairs;
    if (words[0].find('=') == std::string::npos) {
        std::vector<std::string> parts = split_whitespace(raw.args);
        if (parts.size() < 2) throw fail(raw.keyword + " must have two arguments");
        size_t key_end = raw.args.find_first_of(" \t\v\f\r");
        pairs.push_back({parts[0], trim(raw.args.substr(key_end))});
    } else {
        for (const std::string& word : words) {
            size_t eq = word.find('=');
            if (eq == std::string::npos)
                throw fail(fmt::format(
                    "Syntax error - can't find = in \"{}\". Must be of the form: name=value", word));
            pairs.push_back({word.substr(0, eq), word.substr(eq + 1)});
        }
    }
    for (const KeyValue& kv : pairs)
        if (kv.key.empty()) throw fail(raw.keyword + " names can not be blank");
    return pairs;
}

bool valid_stage_name(const std::string& name) {
    if (name.empty() || name[0] < 'a' || name[0] > 'z') return false;
    for (char c : name)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
            return false;
    return true;
}

Instruction parse_from(const RawInstruction& raw) {
    ParsedFlags flags = parse_flags(raw.keyword, raw.flags, {{"platform", FlagKind::string}});
    std::vector<std::string> args = split_whitespace(raw.args);
    FromInstruction from;
    if (args.size() == 3 && to_lower(args[1]) == "as") {
        from.stage_name = to_lower(args[2]);
        if (!valid_stage_name(from.stage_name))
            throw fail(fmt::format(
                "invalid name for build stage: \"{}\", name can't start with a number or contain symbols",
                args[2]));
    } else if (args.size() != 1) {
        throw fail("FROM requires either one or three arguments");
    }
    from.base = args[0];
    from.platform = flags.get("platform");
    return from;
}

// The body of the heredoc a COPY/ADD source word names: the last one of that name on
// the line, as BuildKit looks them up by name. A word split differently by the shell
// lexer that finds heredocs (`a\ <<EOF`) may name none: BuildKit then writes an empty
// file; mab says so.
InlineFile inline_file(const RawInstruction& raw, const std::string& word, const Heredoc& named) {
    auto found = std::find_if(raw.heredocs.rbegin(), raw.heredocs.rend(),
                              [&](const Heredoc& doc) { return doc.name == named.name; });
    if (found == raw.heredocs.rend())
        throw fail(fmt::format("{} {}: no heredoc named {} was read after this line", raw.keyword, word,
                               named.name));
    return InlineFile{named.name, named.chomp ? chomp_heredoc(found->content) : found->content, named.expand};
}

// BuildKit resolves --from before any variable is known, and refuses a value that
// expansion would change.
void check_copy_from(const std::string& from, char escape) {
    if (from.empty()) return;
    VariableLookup none = [](const std::string&) { return std::optional<std::string>(); };
    if (expand_word(from, none, escape) != from)
        throw fail("variable expansion is not supported for --from, define a new stage with FROM using ARG from "
                   "global scope as a workaround");
}

Instruction parse_copy(const RawInstruction& raw, bool is_add, char escape) {
    std::vector<FlagSpec> specs = {{"chown", FlagKind::string},
                                   {"chmod", FlagKind::string},
                                   {"link", FlagKind::boolean}};
    if (is_add) {
        specs.push_back({"checksum", FlagKind::string});
        specs.push_back({"keep-git-dir", FlagKind::boolean});
    } else {
        specs.push_back({"from", FlagKind::string});
    }
    ParsedFlags flags = parse_flags(raw.keyword, raw.flags, specs);
    std::vector<std::string> args = list_arguments(raw);
    if (args.empty()) throw fail(raw.keyword + " requires at least two arguments");
    if (args.size() == 1)
        throw fail(raw.keyword +
                   " requires at least two arguments, but only one was provided. "
                   "Destination could not be determined");
    CopyInstruction copy;
    copy.is_add = is_add;
    copy.dest = args.back();
    args.pop_back();
    // The JSON form reads no heredocs, so its words are paths, whatever they look like.
    // (BuildKit would make each "<<NAME" there an empty inline file.)
    if (!raw.json && parse_heredoc_word(copy.dest))
        throw fail(raw.keyword + " cannot accept a heredoc as a destination");
    for (std::string& src : args) {
        std::optional<Heredoc> doc;
        if (!raw.json) doc = parse_heredoc_word(src);
        if (doc)
            copy.inline_files.push_back(inline_file(raw, src, *doc));
        else
            copy.srcs.push_back(std::move(src));
    }
    copy.from = flags.get("from").value_or("");
    check_copy_from(copy.from, escape);
    copy.chown = flags.get("chown").value_or("");
    copy.chmod = flags.get("chmod").value_or("");
    copy.link = flags.is_set("link");
    copy.checksum = flags.get("checksum").value_or("");
    copy.keep_git_dir = flags.is_set("keep-git-dir");
    return copy;
}

Instruction parse_arg(const RawInstruction& raw, char escape) {
    parse_flags(raw.keyword, raw.flags, {});
    std::vector<std::string> words = split_quoted_words(raw.args, escape);
    if (words.empty()) throw fail("ARG requires at least one argument");
    ArgInstruction arg;
    for (const std::string& word : words) {
        size_t eq = word.find('=');
        ArgDeclaration decl;
        decl.key = word.substr(0, eq);
        if (eq != std::string::npos) decl.value = word.substr(eq + 1);
        if (decl.key.empty()) throw fail("ARG names can not be blank");
        decl.description = description_for(decl.key, raw.comments);
        arg.args.push_back(std::move(decl));
    }
    return arg;
}

Instruction parse_onbuild(const RawInstruction& raw, char escape) {
    parse_flags(raw.keyword, raw.flags, {});
    if (raw.args.empty()) throw fail("ONBUILD requires at least one argument");
    CommandLine trigger = split_command(raw.args);
    std::string keyword = to_upper(trigger.keyword);
    if (keyword == "ONBUILD") throw fail("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
    if (keyword == "FROM" || keyword == "MAINTAINER")
        throw fail(keyword + " isn't allowed as an ONBUILD trigger");
    // Check the trigger now so a typo is reported here, not in a later build.
    LogicalLine line{raw.args, raw.span.first_line, raw.span.last_line, raw.heredocs, {}};
    parse_command(parse_raw_instruction(line, raw.span.file), escape);
    // BuildKit keeps a trigger's heredocs in its text, so the trigger can be parsed again.
    std::string expression = raw.args;
    for (const Heredoc& doc : raw.heredocs) expression += "\n" + doc.content + doc.name;
    return OnbuildInstruction{expression};
}

Instruction parse_instruction(const RawInstruction& raw, char escape) {
    const std::string& k = raw.keyword;
    auto no_flags = [&] { parse_flags(k, raw.flags, {}); };
    if (k == "FROM") return parse_from(raw);
    if (k == "COPY") return parse_copy(raw, false, escape);
    if (k == "ADD") return parse_copy(raw, true, escape);
    if (k == "ARG") return parse_arg(raw, escape);
    if (k == "ENV") {
        no_flags();
        return EnvInstruction{name_values(raw, escape)};
    }
    if (k == "LABEL") {
        no_flags();
        return LabelInstruction{name_values(raw, escape)};
    }
    if (k == "WORKDIR") {
        no_flags();
        return WorkdirInstruction{one_argument(raw)};
    }
    if (k == "USER") {
        no_flags();
        return UserInstruction{one_argument(raw)};
    }
    if (k == "STOPSIGNAL") {
        no_flags();
        return StopSignalInstruction{one_argument(raw)};
    }
    if (k == "MAINTAINER") {
        no_flags();
        return MaintainerInstruction{one_argument(raw)};
    }
    if (k == "CMD") {
        no_flags();
        return CmdInstruction{command_form(raw)};
    }
    if (k == "ENTRYPOINT") {
        no_flags();
        return EntrypointInstruction{command_form(raw)};
    }
    if (k == "RUN") {
        ParsedFlags flags = parse_flags(k, raw.flags,
                                        {{"mount", FlagKind::repeated},
                                         {"network", FlagKind::string},
                                         {"security", FlagKind::string}});
        RunInstruction run{command_form(raw), raw.heredocs, flags.all("mount"),
                           flags.get("network").value_or("default"), flags.get("security").value_or("sandbox")};
        // What BuildKit's RUN flag hooks check while parsing; the rest waits for lowering.
        if (run.network != "default" && run.network != "none" && run.network != "host")
            throw fail(fmt::format("network {} not supported", run.network));
        if (run.security != "sandbox" && run.security != "insecure")
            throw fail(fmt::format("security {} is not valid", run.security));
        for (const std::string& mount : run.mounts) check_run_mount_syntax(mount);
        return run;
    }
    if (k == "SHELL") {
        no_flags();
        if (!raw.json) throw fail("SHELL requires the arguments to be in JSON form");
        if (raw.json->empty()) throw fail("SHELL requires at least one argument");
        return ShellInstruction{*raw.json};
    }
    if (k == "EXPOSE") {
        no_flags();
        std::vector<std::string> ports = split_whitespace(raw.args);
        if (ports.empty()) throw fail("EXPOSE requires at least one argument");
        return ExposeInstruction{ports};
    }
    if (k == "VOLUME") {
        no_flags();
        std::vector<std::string> volumes = list_arguments(raw);
        if (volumes.empty()) throw fail("VOLUME requires at least one argument");
        for (const std::string& v : volumes)
            if (trim(v).empty()) throw fail("VOLUME specified can not be an empty string");
        return VolumeInstruction{volumes};
    }
    if (k == "ONBUILD") return parse_onbuild(raw, escape);
    if (k == "HEALTHCHECK") return parse_healthcheck(raw);
    std::string written = split_command(raw.original).keyword;
    throw fail(with_suggestion("unknown instruction: " + written, written, known_instructions()));
}

} // namespace

const std::vector<std::string>& known_instructions() {
    static const std::vector<std::string> k_names = {
        "ADD",   "ARG",     "CMD",   "COPY",       "ENTRYPOINT", "ENV",   "EXPOSE",
        "FROM",  "HEALTHCHECK", "LABEL", "MAINTAINER", "ONBUILD", "RUN", "SHELL",
        "STOPSIGNAL", "USER", "VOLUME", "WORKDIR"};
    return k_names;
}

Command parse_command(const RawInstruction& raw, char escape) {
    try {
        return Command{parse_instruction(raw, escape), raw.keyword, raw.original, raw.span};
    } catch (Error& e) {
        e.with_span_if_unset(raw.span);
        throw;
    }
}

} // namespace mab::dockerfile
