// containerv_options_* and containerv_* (the container): argument checks and conversions
// around capi::Container; no exception and no absl::Status crosses this file's C boundary.
#include <cerrno>
#include <memory>
#include <string>
#include <vector>

#include "capi/api_error.h"
#include "capi/command_line.h"
#include "capi/container.h"
#include "capi/fs_access.h"
#include "capi/handles.h"
#include "chef/containerv.h"

namespace {

using cvlsm::capi::ClearLastError;
using cvlsm::capi::Fail;
using cvlsm::capi::FailErrno;
using cvlsm::capi::Guarded;

}  // namespace

extern "C" {

struct containerv_options* containerv_options_new(void) {
  containerv_options* options = nullptr;
  Guarded([&] {
    options = new containerv_options();
    return 0;
  });
  return options;
}

void containerv_options_delete(struct containerv_options* options) { delete options; }

void containerv_options_set_caps(struct containerv_options* options,
                                 enum containerv_capabilities caps) {
  if (options) options->caps = static_cast<unsigned>(caps);
}

void containerv_options_set_policy(struct containerv_options* options,
                                   struct containerv_policy* policy) {
  if (!options) return;
  // A shared_ptr copy cannot throw; NULL goes back to the default policy.
  options->policy = policy ? policy->policy : nullptr;
}

void cvlsm_options_set_audit(struct containerv_options* options, int audit) {
  if (options) {
    options->settings.mode = audit ? cvlsm::PolicyMode::kAudit : cvlsm::PolicyMode::kEnforce;
  }
}

void cvlsm_options_set_strict(struct containerv_options* options, int strict) {
  if (options) options->settings.strict = strict != 0;
}

int containerv_create(const char* rootFs, struct containerv_options* options,
                      struct containerv_container** containerOut) {
  if (!rootFs || !containerOut) return FailErrno(EINVAL, "NULL argument");
  *containerOut = nullptr;
  return Guarded([&] {
    unsigned caps = options ? options->caps : 0;
    std::shared_ptr<cvlsm::Policy> policy = options ? options->policy : nullptr;
    if (!policy)
      policy = std::make_shared<cvlsm::Policy>(cvlsm::Policy::Preset(cvlsm::PolicyType::kMinimal));
    auto created = cvlsm::capi::Container::Create(
        rootFs, caps, *policy, options ? options->settings : cvlsm::capi::ContainerSettings{});
    if (!created.ok()) return Fail(created.status());
    auto handle = std::make_unique<containerv_container>();
    handle->container = *std::move(created);
    *containerOut = handle.release();
    ClearLastError();
    return 0;
  });
}

int containerv_spawn(struct containerv_container* container, const char* path,
                     struct containerv_spawn_options* options, process_handle_t* pidOut) {
  if (!container || !container->container || !path) return FailErrno(EINVAL, "NULL argument");
  if (options && options->as_user) {
    return FailErrno(EOPNOTSUPP, "spawn: as_user is not supported (processes run as the caller)");
  }
  if (options && (static_cast<unsigned>(options->flags) & ~static_cast<unsigned>(CV_SPAWN_WAIT))) {
    return FailErrno(EINVAL, "spawn: unknown flags");
  }
  return Guarded([&] {
    std::vector<std::string> args;
    if (options && options->arguments) {
      auto split = cvlsm::capi::SplitCommandLine(options->arguments);
      if (!split.ok()) return Fail(split.status());
      args = *std::move(split);
    }
    std::vector<std::string> environment;
    if (options && options->environment) {
      for (const char* const* entry = options->environment; *entry; ++entry) {
        environment.emplace_back(*entry);
      }
    }
    bool wait = options && (options->flags & CV_SPAWN_WAIT);
    auto pid = container->container->Spawn(path, args, environment, wait);
    if (!pid.ok()) return Fail(pid.status());
    if (pidOut) *pidOut = *pid;
    return 0;
  });
}

int containerv_kill(struct containerv_container* container, process_handle_t pid) {
  if (!container || !container->container) return FailErrno(EINVAL, "NULL argument");
  if (pid <= 0) return FailErrno(EINVAL, "kill: invalid pid");
  return Guarded([&] {
    absl::Status status = container->container->Kill(pid);
    return status.ok() ? 0 : Fail(status);
  });
}

int containerv_wait(struct containerv_container* container, process_handle_t pid, int* exit_code) {
  if (!container || !container->container) return FailErrno(EINVAL, "NULL argument");
  if (pid <= 0) return FailErrno(EINVAL, "wait: invalid pid");
  return Guarded([&] {
    absl::StatusOr<int> code = container->container->Wait(pid);
    if (!code.ok()) return Fail(code.status());
    if (exit_code) *exit_code = *code;
    return 0;
  });
}

int containerv_destroy(struct containerv_container* container) {
  if (!container) return FailErrno(EINVAL, "NULL argument");
  std::unique_ptr<containerv_container> owned(container);  // freed whatever happens
  return Guarded([&] {
    if (!owned->container) return 0;
    absl::Status status = owned->container->Destroy();
    return status.ok() ? 0 : Fail(status);
  });
}

int cvlsm_container_set_path_rule(struct containerv_container* container, const char* path,
                                  unsigned allow, unsigned deny) {
  if (!container || !container->container || !path) return FailErrno(EINVAL, "NULL argument");
  cvlsm::PathModes modes;
  if (!cvlsm::capi::FsAccessToModes(allow, &modes.allow) ||
      !cvlsm::capi::FsAccessToModes(deny, &modes.deny) || (allow | deny) == 0) {
    return FailErrno(EINVAL, "set_path_rule: modes must be CV_FS_* bits, allow or deny non-zero");
  }
  return Guarded([&] {
    absl::Status status = container->container->SetPathRule(path, modes);
    return status.ok() ? 0 : Fail(status);
  });
}

int cvlsm_container_remove_path_rule(struct containerv_container* container, const char* path) {
  if (!container || !container->container || !path) return FailErrno(EINVAL, "NULL argument");
  return Guarded([&] {
    absl::Status status = container->container->RemovePathRule(path);
    return status.ok() ? 0 : Fail(status);
  });
}

int cvlsm_container_get_stats(struct containerv_container* container,
                              struct cvlsm_container_stats* stats, size_t size) {
  if (!container || !container->container || !stats) return FailErrno(EINVAL, "NULL argument");
  if (size < sizeof(cvlsm_container_stats)) {
    return FailErrno(EINVAL, "container_stats: size is smaller than struct cvlsm_container_stats");
  }
  return Guarded([&] {
    absl::StatusOr<cvlsm::capi::ContainerCost> cost = container->container->Cost();
    if (!cost.ok()) return Fail(cost.status());
    cvlsm_container_stats out{};
    auto set = [&out](unsigned bit, unsigned long long* field, std::optional<uint64_t> value) {
      if (!value) return;
      out.known |= bit;
      *field = *value;
    };
    const cvlsm::CgroupUsage& usage = cost->usage;
    set(CVLSM_STAT_CPU, &out.cpu_usec, usage.cpu_usec);
    set(CVLSM_STAT_MEMORY, &out.memory_bytes, usage.memory_bytes);
    set(CVLSM_STAT_MEMORY_PEAK, &out.memory_peak_bytes, usage.memory_peak_bytes);
    set(CVLSM_STAT_PROCESSES, &out.processes, usage.processes);
    set(CVLSM_STAT_IO, &out.io_read_bytes, usage.io_read_bytes);
    set(CVLSM_STAT_IO, &out.io_write_bytes, usage.io_write_bytes);
    if (cost->decisions) {
      set(CVLSM_STAT_DECISIONS, &out.allowed, cost->decisions->allowed());
      set(CVLSM_STAT_DECISIONS, &out.denied, cost->decisions->denied());
    }
    if (cost->footprint) {
      set(CVLSM_STAT_POLICY, &out.policy_entries, cost->footprint->entries());
      set(CVLSM_STAT_POLICY, &out.policy_bytes, cost->footprint->bytes);
    }
    *stats = out;
    return 0;
  });
}

const char* containerv_id(struct containerv_container* container) {
  if (!container || !container->container) return nullptr;
  return container->container->id().c_str();
}

}  // extern "C"
