#include "frontend-dockerfile/parser.hpp"

#include <fmt/format.h>

#include <set>

#include "frontend-dockerfile/command_line.hpp"
#include "frontend-dockerfile/dockerfile.hpp"
#include "frontend-dockerfile/go_text.hpp"

namespace mab::dockerfile {

namespace {

// The instructions whose arguments may be a JSON array (BuildKit's parseMaybeJSON and
// parseMaybeJSONToList).
bool accepts_json(const std::string& keyword) {
    static const std::set<std::string> k_json = {"ADD", "COPY", "CMD", "ENTRYPOINT",
                                                 "RUN", "SHELL", "VOLUME"};
    return k_json.count(keyword) != 0;
}

} // namespace

std::string Stage::display_name() const {
    return name.empty() ? fmt::format("stage-{}", index) : name;
}

std::string description_for(const std::string& name, const std::vector<std::string>& comments) {
    if (name.empty()) return "";
    const std::string prefix = name + " ";
    for (const std::string& line : comments)
        if (line.compare(0, prefix.size(), prefix) == 0) return line.substr(prefix.size());
    return "";
}

RawInstruction parse_raw_instruction(const LogicalLine& line, const std::string& file_name) {
    RawInstruction raw;
    raw.span = SourceSpan{file_name, line.first_line, line.last_line};
    raw.original = trim(line.text);
    raw.heredocs = line.heredocs;
    raw.comments = line.comments;
    CommandLine cmd = split_command(line.text);
    raw.keyword = to_upper(cmd.keyword);
    raw.flags = std::move(cmd.flags);
    raw.args = std::move(cmd.args);
    if (accepts_json(raw.keyword)) {
        std::vector<std::string> items;
        switch (parse_json_array(raw.args, items)) {
        case JsonForm::strings:
            raw.json = std::move(items);
            break;
        case JsonForm::not_strings:
            throw Error(ErrorKind::dockerfile,
                        "when using JSON array syntax, arrays must be comprised of strings only",
                        raw.span);
        case JsonForm::not_json:
            break;
        }
    }
    return raw;
}

std::shared_ptr<const ParsedDockerfile> parse(const std::string& text, const std::string& file_name) {
    if (text.empty()) throw Error(ErrorKind::dockerfile, "the Dockerfile cannot be empty");
    LexedFile lexed = lex_dockerfile(text, file_name);
    auto out = std::make_shared<ParsedDockerfile>();
    out->file_name = file_name;
    out->escape = lexed.escape;
    out->directives = std::move(lexed.directives);
    out->warnings = std::move(lexed.warnings);
    for (const LogicalLine& line : lexed.lines)
        out->instructions.push_back(parse_raw_instruction(line, file_name));
    if (out->instructions.empty())
        throw Error(ErrorKind::dockerfile, "file with no instructions")
            .with_hint(fmt::format("{} holds only comments and blank lines", file_name));

    std::set<std::string> stage_names;
    for (const RawInstruction& raw : out->instructions) {
        Command command = parse_command(raw, out->escape);
        if (const auto* from = std::get_if<FromInstruction>(&command.instruction)) {
            Stage stage;
            stage.index = static_cast<int>(out->stages.size());
            stage.name = from->stage_name;
            stage.description = description_for(stage.name, raw.comments);
            stage.from = *from;
            stage.from_command = command;
            // BuildKit only warns (its DuplicateStageName and ReservedStageName checks);
            // a name then means the last stage so named before the reference.
            if (!stage.name.empty() && !stage_names.insert(stage.name).second)
                out->warnings.push_back(fmt::format(
                    "{}:{}: DuplicateStageName: Duplicate stage name \"{}\", stage names should be unique",
                    file_name, raw.span.first_line, stage.name));
            if (stage.name == "scratch" || stage.name == "context")
                out->warnings.push_back(fmt::format(
                    "{}:{}: ReservedStageName: Stage name should not use the same name as reserved stage \"{}\"",
                    file_name, raw.span.first_line, stage.name));
            out->stages.push_back(std::move(stage));
        } else if (!out->stages.empty()) {
            out->stages.back().commands.push_back(std::move(command));
        } else if (std::holds_alternative<ArgInstruction>(command.instruction)) {
            out->global_args.push_back(std::move(command));
        } else {
            throw Error(ErrorKind::dockerfile, "no build stage in current context", raw.span)
                .with_hint(raw.keyword + " comes before the first FROM, where only ARG may be");
        }
    }
    if (out->stages.empty())
        throw Error(ErrorKind::dockerfile, "dockerfile contains no stages to build")
            .with_hint(fmt::format("{} has no FROM", file_name));
    return out;
}

const std::vector<std::string>& parse_warnings(const ParsedDockerfile& dockerfile) { return dockerfile.warnings; }

std::string dump_syntax(const ParsedDockerfile& dockerfile) {
    std::string out = fmt::format("escape {}\n", dockerfile.escape);
    for (const Directive& d : dockerfile.directives)
        out += fmt::format("directive {}={} line {}\n", d.name, go_quote(d.value), d.line);
    for (const std::string& w : dockerfile.warnings) out += "warning " + w + "\n";
    for (const RawInstruction& raw : dockerfile.instructions) {
        std::string lines = raw.span.first_line == raw.span.last_line
                                ? fmt::format("{}", raw.span.first_line)
                                : fmt::format("{}-{}", raw.span.first_line, raw.span.last_line);
        out += lines + " " + raw.keyword;
        if (!raw.flags.empty()) out += " flags=" + go_quote_list(raw.flags);
        if (raw.json)
            out += " json=" + go_quote_list(*raw.json);
        else
            out += " args=" + go_quote(raw.args);
        out += "\n";
        if (!raw.comments.empty()) out += "    comments=" + go_quote_list(raw.comments) + "\n";
        for (const Heredoc& doc : raw.heredocs)
            out += fmt::format("    heredoc name={} expand={} chomp={} content={}\n", go_quote(doc.name),
                               doc.expand, doc.chomp, go_quote(doc.content));
    }
    return out;
}

} // namespace mab::dockerfile
