// Whether this process runs in the host's (initial) user namespace. Decided by the
// namespace's inode (PROC_USER_INIT_INO), not by the id map: mab gives real root an
// identity map that looks exactly like the initial one.
#pragma once

namespace mab {

bool in_initial_user_namespace();

} // namespace mab
