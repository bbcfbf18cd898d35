// Compile-time layout checks of the structs shared with the BPF programs: a change to
// bpf/cvlsm_abi.h that moves a field fails the build here (the BTF unit test checks the
// compiled object against the same numbers).
#pragma once

#include <cstddef>

#include "cvlsm_abi.h"

static_assert(sizeof(struct cvlsm_cgroup_policy) == 16);
static_assert(offsetof(struct cvlsm_cgroup_policy, policy_id) == 0);
static_assert(offsetof(struct cvlsm_cgroup_policy, proc_self_modes) == 4);
static_assert(offsetof(struct cvlsm_cgroup_policy, flags) == 8);
static_assert(offsetof(struct cvlsm_cgroup_policy, wait_for_exec) == 12);

static_assert(sizeof(struct cvlsm_rule_key) == 16);
static_assert(offsetof(struct cvlsm_rule_key, policy_id) == 0);
static_assert(offsetof(struct cvlsm_rule_key, inode) == 8);

static_assert(sizeof(struct cvlsm_object_id) == 16);
static_assert(offsetof(struct cvlsm_object_id, found) == 0);
static_assert(offsetof(struct cvlsm_object_id, filter_bit) == 4);
static_assert(offsetof(struct cvlsm_object_id, inode) == 8);

static_assert(sizeof(struct cvlsm_rule_value) == 16);
static_assert(offsetof(struct cvlsm_rule_value, generation) == 8);
static_assert(offsetof(struct cvlsm_rule_value, allow) == 0);
static_assert(offsetof(struct cvlsm_rule_value, deny) == 4);

static_assert(sizeof(struct cvlsm_global_state) == 40);
static_assert(offsetof(struct cvlsm_global_state, last_generation) == 32);
static_assert(offsetof(struct cvlsm_global_state, unix_find_attached) == 24);
static_assert(offsetof(struct cvlsm_global_state, changes) == 16);
static_assert(offsetof(struct cvlsm_global_state, resolvers_active) == 0);
static_assert(offsetof(struct cvlsm_global_state, keeper_tgid) == 8);
static_assert(offsetof(struct cvlsm_global_state, pins_lost) == 12);
static_assert(offsetof(struct cvlsm_global_state, records_per_cpu) == 20);

static_assert(sizeof(struct cvlsm_cgroup_stats) == 8 * (2 * CVLSM_HOOK_COUNT + 5));
static_assert(offsetof(struct cvlsm_cgroup_stats, denied) == 8 * CVLSM_HOOK_COUNT);
static_assert(offsetof(struct cvlsm_cgroup_stats, events_dropped) == 16 * CVLSM_HOOK_COUNT);

static_assert(sizeof(struct cvlsm_event) == 64 + CVLSM_EVENT_PATH_MAX);
static_assert(offsetof(struct cvlsm_event, cgroup) == 8);
static_assert(offsetof(struct cvlsm_event, pid) == 16);
static_assert(offsetof(struct cvlsm_event, comm) == 24);
static_assert(offsetof(struct cvlsm_event, hook) == 40);
static_assert(offsetof(struct cvlsm_event, detail) == 56);
static_assert(offsetof(struct cvlsm_event, path_length) == 60);
static_assert(offsetof(struct cvlsm_event, path) == 64);

static_assert(sizeof(struct cvlsm_denial_key) == 40);
static_assert(offsetof(struct cvlsm_denial_key, object) == 8);
static_assert(offsetof(struct cvlsm_denial_key, ino) == 16);
static_assert(offsetof(struct cvlsm_denial_key, hook) == 24);
static_assert(offsetof(struct cvlsm_denial_key, flags) == 36);

static_assert(sizeof(struct cvlsm_denial_record) == 16 + sizeof(struct cvlsm_event));
static_assert(offsetof(struct cvlsm_denial_record, first) == 16);

static_assert(sizeof(struct cvlsm_net4_key) == 16);
static_assert(offsetof(struct cvlsm_net4_key, policy_id) == 4);
static_assert(offsetof(struct cvlsm_net4_key, selector) == 8);
static_assert(offsetof(struct cvlsm_net4_key, address) == 12);
static_assert(sizeof(struct cvlsm_net6_key) == 28);
static_assert(offsetof(struct cvlsm_net6_key, address) == 12);
static_assert(sizeof(struct cvlsm_net_ports) == 4 + 4 * CVLSM_NET_MAX_RANGES);
static_assert(offsetof(struct cvlsm_net_ports, range) == 4);
static_assert(sizeof(struct cvlsm_unix_name_key) == 8 + CVLSM_UNIX_NAME_MAX + 1);
static_assert(offsetof(struct cvlsm_unix_name_key, name) == 8);
