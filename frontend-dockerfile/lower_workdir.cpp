// WORKDIR: sets the working directory and, like BuildKit, creates it with a mkdir
// FileOp owned by the current USER (one layer), except for "/".
#include "frontend-dockerfile/image_paths.hpp"
#include "frontend-dockerfile/lower_state.hpp"
#include "frontend-dockerfile/word_expansion.hpp"

namespace mab::dockerfile {

void lower_workdir(StageState& stage, const WorkdirInstruction& workdir, const Command& command,
                   LowerContext& context) {
    const char escape = context.dockerfile().escape;
    std::string path = expand_word(workdir.path, stage.lookup(), escape);
    if (path.empty()) throw Error(ErrorKind::dockerfile, "WORKDIR requires a non-empty path");
    oci::ContainerConfig& config = stage.result.config.config;
    std::string dir = resolve_in_workdir(config.working_dir, path);
    std::string description = dir == "/" ? std::string() : step_description(stage, command, escape);
    config.working_dir = dir;
    if (dir == "/") {
        add_history(stage, "WORKDIR " + dir);
        return;
    }
    engine::graph::MkdirAction mkdir;
    mkdir.path = dir;
    mkdir.mode = 0755;
    mkdir.make_parents = true;
    if (!config.user.empty()) mkdir.chown = parse_chown(config.user, "USER");
    engine::graph::FileOp op;
    op.actions.emplace_back(std::move(mkdir));
    op.created_dir_mtime = created_dir_mtime(context.request());
    stage.result.rootfs =
        stage.result.rootfs.file(std::move(op), {}, step_meta(stage, description, command.span));
    add_history(stage, "WORKDIR " + dir, &stage.result.rootfs);
}

} // namespace mab::dockerfile
