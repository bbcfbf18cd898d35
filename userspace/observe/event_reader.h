// Reads the programs' denial events (their ring buffer) as they come.
#pragma once

#include <functional>
#include <memory>

#include "absl/status/statusor.h"
#include "observe/event.h"

struct ring_buffer;

namespace cvlsm {

class EventReader {
 public:
  using Handler = std::function<void(const Event&)>;
  // `events_fd`: the ring buffer map (LsmSkeleton::events_fd); it must stay open.
  static absl::StatusOr<std::unique_ptr<EventReader>> Open(int events_fd, Handler handler);
  ~EventReader();
  EventReader(const EventReader&) = delete;
  EventReader& operator=(const EventReader&) = delete;

  // Hands every event in the buffer to the handler, waiting up to `timeout_ms` (-1: for
  // ever) for the first. Returns how many were handled; EINTR counts as none.
  absl::StatusOr<int> Poll(int timeout_ms);

 private:
  explicit EventReader(Handler handler) : handler_(std::move(handler)) {}
  static int OnSample(void* context, void* data, size_t size);

  Handler handler_;
  struct ring_buffer* ring_ = nullptr;
};

}  // namespace cvlsm
