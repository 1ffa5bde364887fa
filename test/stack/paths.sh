# Where the local stack keeps its state and its built tools; sourced by every stack script.
# The state lives outside the repository: etcd and Temporal write there constantly (etcd's own `.snap`
# files among them), and no tool that scans the checkout (jest, eslint, prettier, tsc) should ever see it.
# test/support/stack.ts computes the same default; keep the two in step.
SO_CACHE_DIR=${SO_CACHE_DIR:-$HOME/.cache/session-orchestrator}
SO_STACK_DIR=${SO_STACK_DIR:-${XDG_STATE_HOME:-$HOME/.local/state}/session-orchestrator/stack}
