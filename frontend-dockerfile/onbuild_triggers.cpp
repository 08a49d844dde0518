#include "frontend-dockerfile/onbuild_triggers.hpp"

#include <fmt/format.h>

#include "frontend-dockerfile/command_line.hpp"
#include "frontend-dockerfile/lexer.hpp"
#include "frontend-dockerfile/parser.hpp"

namespace mab::dockerfile {

namespace {

Command parse_trigger(const std::string& trigger, const SourceSpan& from) {
    // A trigger has no directives of its own: it is read with the default escape, as
    // BuildKit parses it with a fresh parser.
    LexedFile lexed = lex_dockerfile(trigger, from.file);
    if (lexed.lines.size() != 1) throw Error(ErrorKind::dockerfile, "onbuild trigger should be a single expression");
    LogicalLine line = lexed.lines[0];
    line.first_line = from.first_line;
    line.last_line = from.last_line;
    RawInstruction raw = parse_raw_instruction(line, from.file);
    // Parsing ONBUILD refuses these in a Dockerfile; an image's config may still hold them.
    if (raw.keyword == "FROM" || raw.keyword == "MAINTAINER")
        throw Error(ErrorKind::dockerfile, raw.keyword + " isn't allowed as an ONBUILD trigger");
    if (raw.keyword == "ONBUILD")
        throw Error(ErrorKind::dockerfile, "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
    Command command = parse_command(raw, lexed.escape);
    command.onbuild_trigger = true;
    return command;
}

} // namespace

std::vector<Command> parse_onbuild_triggers(const std::vector<std::string>& triggers, const SourceSpan& from) {
    std::vector<Command> commands;
    for (const std::string& trigger : triggers) {
        try {
            commands.push_back(parse_trigger(trigger, from));
        } catch (const Error& e) {
            // Errors name the FROM that brought the trigger, not the trigger's own text.
            throw Error(e.kind(), fmt::format("ONBUILD {}: {}", trim(trigger.substr(0, trigger.find('\n'))), e.what()),
                        from)
                .with_hint(e.hint());
        }
    }
    return commands;
}

} // namespace mab::dockerfile
