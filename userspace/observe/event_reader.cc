#include "observe/event_reader.h"

#include <bpf/libbpf.h>

#include <cerrno>
#include <cstring>

#include "common/errors.h"

namespace cvlsm {

absl::StatusOr<std::unique_ptr<EventReader>> EventReader::Open(int events_fd, Handler handler) {
  std::unique_ptr<EventReader> reader(new EventReader(std::move(handler)));
  reader->ring_ = ring_buffer__new(events_fd, &EventReader::OnSample, reader.get(), nullptr);
  if (reader->ring_ == nullptr) return ErrnoError(errno, "open the events ring buffer");
  return reader;
}

EventReader::~EventReader() {
  if (ring_ != nullptr) ring_buffer__free(ring_);
}

int EventReader::OnSample(void* context, void* data, size_t size) {
  if (size < sizeof(cvlsm_event)) return 0;  // not this build's record: skip it
  cvlsm_event raw;
  std::memcpy(&raw, data, sizeof(raw));
  static_cast<EventReader*>(context)->handler_(DecodeEvent(raw));
  return 0;
}

absl::StatusOr<int> EventReader::Poll(int timeout_ms) {
  int handled = ring_buffer__poll(ring_, timeout_ms);
  if (handled == -EINTR) return 0;
  if (handled < 0) return ErrnoError(-handled, "read the events ring buffer");
  return handled;
}

}  // namespace cvlsm
