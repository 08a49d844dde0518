#include "engine/ops/file_op.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <memory>

#include <fmt/format.h>

#include "base/error.hpp"
#include "snapshotter/file_meta.hpp"
#include "engine/ops/copy_action.hpp"
#include "engine/ops/dir_times.hpp"
#include "engine/ops/root_paths.hpp"
#include "engine/ops/user_lookup.hpp"

namespace mab::engine::ops {

namespace {

using snapshotter::RootFs;

class FileOpRun {
public:
    FileOpRun(const graph::FileOp& op, const std::filesystem::path& root_dir,
              const std::vector<FileOpInput>& inputs)
        : m_op(op), m_inputs(inputs), m_root(root_dir), m_times(m_root),
          m_created_mtime(op.created_dir_mtime.value_or(0)) {}

    void run() {
        for (const graph::FileAction& action : m_op.actions) {
            std::visit([this](const auto& a) { apply(a); }, action);
        }
        m_times.apply();
    }

private:
    void apply(const graph::CopyAction& a) {
        if (a.source_input < 0 || static_cast<size_t>(a.source_input) >= m_inputs.size()) {
            throw Error(ErrorKind::internal,
                        fmt::format("copy from input {}, but the op has {} inputs", a.source_input,
                                    m_inputs.size()));
        }
        const FileOpInput& input = m_inputs[static_cast<size_t>(a.source_input)];
        CopySource source{&source_root(a.source_input), input.label, input.filter.get(), input.ref_name,
                          input.filter_origin};
        run_copy(a, source, m_root, m_created_mtime, m_times);
    }

    void apply(const graph::MkdirAction& a) {
        const std::string path = snapshotter::clean_path(a.path);
        const std::optional<snapshotter::Ownership> owner = resolve_owner(a.chown, m_root);
        if (!a.make_parents) {
            // Only the last component may be missing.
            std::optional<struct stat> parent = m_root.stat(parent_path(path));
            if (!parent || !S_ISDIR(parent->st_mode)) {
                throw Error(ErrorKind::input,
                            fmt::format("mkdir {}: parent directory {} does not exist", path,
                                        parent_path(path)));
            }
        }
        std::optional<struct stat> existing = m_root.stat(path);
        if (existing && S_ISDIR(existing->st_mode)) return;
        mkdir_all_tracked(m_root, path, static_cast<mode_t>(a.mode & 07777), owner, m_created_mtime,
                          m_times);
    }

    void apply(const graph::MkfileAction& a) {
        const std::string path = snapshotter::clean_path(a.path);
        const std::optional<snapshotter::Ownership> owner = resolve_owner(a.chown, m_root);
        const std::string dir_path = m_root.resolve(parent_path(path));
        std::optional<UniqueFd> dir = open_dir(m_root, dir_path);
        if (!dir) {
            throw Error(ErrorKind::input,
                        fmt::format("mkfile {}: parent directory {} does not exist", path,
                                    parent_path(path)));
        }
        const std::string name = base_name(path);
        m_times.keep_existing(dir_path);
        struct stat st {};
        if (::fstatat(dir->get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
            if (S_ISDIR(st.st_mode)) {
                throw Error(ErrorKind::input, fmt::format("mkfile {}: is a directory", path));
            }
            // Replaced, never written through: the old entry may be a symlink or a hardlink.
            if (::unlinkat(dir->get(), name.c_str(), 0) != 0) throw_errno("unlink", path);
        } else if (errno != ENOENT) {
            throw_errno("lstat", path);
        }
        UniqueFd fd(::openat(dir->get(), name.c_str(),
                             O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (!fd) throw_errno("create", path);
        for (size_t done = 0; done < a.data.size();) {
            const ssize_t n = ::write(fd.get(), a.data.data() + done, a.data.size() - done);
            if (n < 0) {
                if (errno == EINTR) continue;
                throw_errno("write", path);
            }
            done += static_cast<size_t>(n);
        }
        const snapshotter::Ownership o = owner.value_or(snapshotter::Ownership{});
        snapshotter::change_owner_fd(fd.get(), o, path);
        if (::fchmod(fd.get(), static_cast<mode_t>(a.mode & 07777)) != 0) throw_errno("chmod", path);
        // Created files get the op's timestamp, like its directories: reproducible.
        timespec mtime{};
        mtime.tv_sec = static_cast<time_t>(m_created_mtime);
        const timespec times[2] = {mtime, mtime};
        if (::futimens(fd.get(), times) != 0) throw_errno("utimensat", path);
    }

    void apply(const graph::RmAction& a) {
        const std::string path = snapshotter::clean_path(a.path);
        if (path == "/") throw Error(ErrorKind::input, "rm /: refusing to remove the root");
        m_times.keep_existing(m_root.resolve(parent_path(path)));
        if (!m_root.remove(path) && !a.allow_not_found) {
            throw Error(ErrorKind::input, fmt::format("rm {}: no such file or directory", path));
        }
    }

    const RootFs& source_root(int index) {
        auto found = m_sources.find(index);
        if (found == m_sources.end()) {
            found = m_sources
                        .emplace(index, std::make_unique<RootFs>(m_inputs[static_cast<size_t>(index)].rootfs))
                        .first;
        }
        return *found->second;
    }

    const graph::FileOp& m_op;
    const std::vector<FileOpInput>& m_inputs;
    RootFs m_root;
    DirTimes m_times;
    int64_t m_created_mtime;
    std::map<int, std::unique_ptr<RootFs>> m_sources;
};

} // namespace

void apply_file_op(const graph::FileOp& op, const std::filesystem::path& root_dir,
                   const std::vector<FileOpInput>& inputs) {
    FileOpRun(op, root_dir, inputs).run();
}

} // namespace mab::engine::ops
