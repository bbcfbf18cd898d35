// What the opaque C handles are. A policy is reference counted: the caller's handle,
// options and containers each hold a reference, so deleting the handle is always safe.
#pragma once

#include <memory>

#include "capi/container.h"
#include "chef/containerv.h"
#include "policy/policy.h"

struct containerv_policy {
  std::shared_ptr<cvlsm::Policy> policy;
};

struct containerv_options {
  unsigned caps = 0;
  std::shared_ptr<cvlsm::Policy> policy;  // null: CV_POLICY_MINIMAL
  cvlsm::capi::ContainerSettings settings;
};

struct containerv_container {
  std::unique_ptr<cvlsm::capi::Container> container;
};
