#include "pinned/pin_keeper.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/errors.h"
#include "common/fd_limit.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "cvlsm_abi.h"

namespace cvlsm {
namespace {

enum Op : uint32_t { kKeep = 1, kDrop = 2, kDropPolicy = 3, kRetainOnly = 4 };

struct RequestHeader {
  uint32_t op;
  uint32_t policy_id;
  uint32_t count;  // values after the header: object keys, or policy ids (kRetainOnly)
  uint32_t reserved;
};
struct Reply {
  int32_t error;  // 0 or an errno
  uint32_t reserved;
};

constexpr size_t kMaxFdsPerMessage = 250;  // the kernel takes at most 253 (SCM_MAX_FD)
constexpr size_t kMaxValues = 8192;        // more policy ids than cgroups can be confined
constexpr size_t kMaxMessage = sizeof(RequestHeader) + kMaxValues * sizeof(uint64_t);

absl::StatusOr<sockaddr_un> SocketAddress(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof(address.sun_path)) {
    return absl::InvalidArgumentError(absl::StrCat("socket path too long: ", path));
  }
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  return address;
}

class InodeHolder;

// What keeps one rule object's inode in memory for a policy: a counted inotify watch, or
// the descriptor itself. Released when destroyed.
class Hold {
 public:
  Hold(InodeHolder* holder, int watch) : holder_(holder), watch_(watch) {}
  explicit Hold(UniqueFd fd) : fd_(std::move(fd)) {}
  Hold(Hold&& other) noexcept
      : holder_(std::exchange(other.holder_, nullptr)),
        watch_(std::exchange(other.watch_, -1)),
        fd_(std::move(other.fd_)) {}
  Hold& operator=(Hold&& other) noexcept;
  ~Hold();

 private:
  InodeHolder* holder_ = nullptr;
  int watch_ = -1;
  UniqueFd fd_;
};

// Holds rule inodes with inotify watches: a watch keeps its inode in memory, so a rule's
// generation lasts as long as its object (cvlsm_rule_key), without keeping the mount busy
// as a descriptor does. Unmounting drops the watch, the inode is freed, and the rules on
// it are void. One watch per inode, counted across policies. Where a watch cannot be had
// (the user's watch limit, 8192 by default before 5.11), the descriptor holds the inode.
class InodeHolder {
 public:
  InodeHolder() : inotify_(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK)) {}

  Hold Take(UniqueFd fd) {
    DrainEvents();
    if (!inotify_.valid()) return Hold(std::move(fd));
    // /proc/self/fd/N leads to the descriptor's object, whatever its name is now.
    std::string object = absl::StrCat("/proc/self/fd/", fd.get());
    int watch = ::inotify_add_watch(inotify_.get(), object.c_str(), IN_DELETE_SELF);
    struct stat held {
    }, watched{};
    if (watch >= 0 && ::fstat(fd.get(), &held) == 0 && ::stat(object.c_str(), &watched) == 0 &&
        held.st_dev == watched.st_dev && held.st_ino == watched.st_ino) {
      ++counts_[watch];
      return Hold(this, watch);
    }
    if (watch >= 0 && !counts_.contains(watch)) ::inotify_rm_watch(inotify_.get(), watch);
    return Hold(std::move(fd));
  }

  void Release(int watch) {
    auto it = counts_.find(watch);
    if (it == counts_.end() || --it->second > 0) return;
    counts_.erase(it);
    ::inotify_rm_watch(inotify_.get(), watch);
  }

 private:
  // Forgets the watches the kernel dropped (IN_IGNORED: the object deleted, its filesystem
  // unmounted), so none is removed twice.
  void DrainEvents() {
    alignas(inotify_event) char events[4096];
    ssize_t length;
    while ((length = ::read(inotify_.get(), events, sizeof(events))) > 0) {
      for (ssize_t at = 0; at < length;) {
        const auto* event = reinterpret_cast<const inotify_event*>(events + at);
        if (event->mask & IN_IGNORED) counts_.erase(event->wd);
        at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
      }
    }
  }

  UniqueFd inotify_;
  absl::flat_hash_map<int, int> counts_;  // watch descriptor -> holds
};

Hold& Hold::operator=(Hold&& other) noexcept {
  if (this != &other) {
    if (holder_ != nullptr) holder_->Release(watch_);
    holder_ = std::exchange(other.holder_, nullptr);
    watch_ = std::exchange(other.watch_, -1);
    fd_ = std::move(other.fd_);
  }
  return *this;
}

Hold::~Hold() {
  if (holder_ != nullptr) holder_->Release(watch_);
}

using PolicyPins = absl::flat_hash_map<uint64_t, Hold>;

// One request: the pins it carries (already received) change the keeper's set.
int32_t Serve(const RequestHeader& header, const uint64_t* values, std::vector<UniqueFd>& fds,
              InodeHolder& holder, absl::flat_hash_map<uint32_t, PolicyPins>& pins) {
  switch (header.op) {
    case kKeep: {
      if (fds.size() != header.count) return EPROTO;
      PolicyPins& policy = pins[header.policy_id];
      for (size_t i = 0; i < fds.size(); ++i) {
        policy.insert_or_assign(values[i], holder.Take(std::move(fds[i])));
      }
      return 0;
    }
    case kDrop: {
      auto it = pins.find(header.policy_id);
      if (header.count != 1 || it == pins.end()) return header.count != 1 ? EPROTO : 0;
      it->second.erase(values[0]);
      if (it->second.empty()) pins.erase(it);
      return 0;
    }
    case kDropPolicy:
      pins.erase(header.policy_id);
      return 0;
    case kRetainOnly: {
      absl::flat_hash_set<uint32_t> keep;
      for (size_t i = 0; i < header.count; ++i) keep.insert(static_cast<uint32_t>(values[i]));
      absl::erase_if(pins, [&](const auto& entry) { return !keep.contains(entry.first); });
      return 0;
    }
    default:
      return EPROTO;
  }
}

// Reads one request from a client and answers it; false when the client is gone.
bool ServeClient(int client, std::vector<char>& buffer, InodeHolder& holder,
                 absl::flat_hash_map<uint32_t, PolicyPins>& pins) {
  alignas(cmsghdr) char control[CMSG_SPACE(kMaxFdsPerMessage * sizeof(int))];
  iovec io{buffer.data(), buffer.size()};
  msghdr message{};
  message.msg_iov = &io;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof(control);
  ssize_t length = ::recvmsg(client, &message, MSG_CMSG_CLOEXEC);
  if (length <= 0) return length < 0 && errno == EINTR;
  std::vector<UniqueFd> fds;
  for (cmsghdr* c = CMSG_FIRSTHDR(&message); c != nullptr; c = CMSG_NXTHDR(&message, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; ++i) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
      fds.emplace_back(fd);
    }
  }
  Reply reply{};
  RequestHeader header{};
  if ((message.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0 ||
      static_cast<size_t>(length) < sizeof(header)) {
    reply.error = EPROTO;
  } else {
    std::memcpy(&header, buffer.data(), sizeof(header));
    if (static_cast<size_t>(length) != sizeof(header) + header.count * sizeof(uint64_t)) {
      reply.error = EPROTO;
    } else {
      std::vector<uint64_t> values(header.count);
      std::memcpy(values.data(), buffer.data() + sizeof(header), header.count * sizeof(uint64_t));
      reply.error = Serve(header, values.data(), fds, holder, pins);
    }
  }
  return ::send(client, &reply, sizeof(reply), MSG_NOSIGNAL) == sizeof(reply);
}

// The effective capabilities of a process (CapEff in /proc/PID/status), or nullopt.
std::optional<uint64_t> EffectiveCapabilities(const std::string& pid) {
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  for (std::string line; std::getline(status, line);) {
    absl::string_view rest = line;
    uint64_t caps = 0;
    if (absl::ConsumePrefix(&rest, "CapEff:") &&
        absl::SimpleHexAtoi(absl::StripAsciiWhitespace(rest), &caps)) {
      return caps;
    }
  }
  return std::nullopt;
}

// Whether the process behind a client socket may pin and unpin. The socket file's mode is
// not enough: a confined process keeps uid 0 (and the socket may be reachable past its
// path rules on weaker tiers). The kernel's word is: the peer runs as the keeper's user and
// holds every capability the keeper holds, which no confined process does (cv-lsm run drops
// them all, a C API container keeps only the ones its runtime lists).
bool TrustedPeer(int client) {
  ucred peer{};
  socklen_t length = sizeof(peer);
  if (::getsockopt(client, SOL_SOCKET, SO_PEERCRED, &peer, &length) != 0) return false;
  if (peer.uid != ::geteuid()) return false;
  std::optional<uint64_t> mine = EffectiveCapabilities("self");
  std::optional<uint64_t> theirs = EffectiveCapabilities(absl::StrCat(peer.pid));
  return mine && theirs && (*theirs & *mine) == *mine;
}

}  // namespace

int RunPinKeeper(const std::string& socket_path, int ready_fd) {
  ::signal(SIGPIPE, SIG_IGN);
  // The OOM killer must pick anything else: the keeper's death makes every confined
  // cgroup fail closed. (Only root may lower it; a test's keeper keeps its score.)
  if (int fd = ::open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC); fd >= 0) {
    (void)!::write(fd, "-1000", 5);
    ::close(fd);
  }
  // Room for every rule's pin (the rule map's size), as far as the limits allow; a keeper
  // without the privilege to raise them refuses pins past them (EMFILE) instead.
  if (absl::Status room = EnsureDescriptorRoom(CVLSM_MAX_PATH_RULES); !room.ok()) {
    LogDebug("keeper", ErrorText(room));
  }
  absl::StatusOr<sockaddr_un> address = SocketAddress(socket_path);
  if (!address.ok()) return 1;
  UniqueFd listener(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
  ::unlink(socket_path.c_str());
  mode_t old_mask = ::umask(0077);  // root only: whoever reaches it can pin and unpin
  bool bound =
      listener.valid() &&
      ::bind(listener.get(), reinterpret_cast<const sockaddr*>(&*address), sizeof(*address)) == 0 &&
      ::listen(listener.get(), 16) == 0;
  ::umask(old_mask);
  if (!bound) {
    LogWarning("keeper", absl::StrCat("listen on ", socket_path, ": ", std::strerror(errno)));
    return 1;
  }
  if (ready_fd >= 0) {
    char ready = 1;
    (void)!::write(ready_fd, &ready, 1);
    ::close(ready_fd);
  }

  InodeHolder holder;  // before `pins`, whose holds release into it
  absl::flat_hash_map<uint32_t, PolicyPins> pins;
  std::vector<char> buffer(kMaxMessage);
  std::vector<pollfd> polled = {{listener.get(), POLLIN, 0}};
  std::vector<UniqueFd> clients;
  while (true) {
    if (::poll(polled.data(), polled.size(), -1) < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    for (size_t i = polled.size(); i-- > 1;) {
      if (polled[i].revents == 0) continue;
      if ((polled[i].revents & POLLIN) && ServeClient(polled[i].fd, buffer, holder, pins)) {
        continue;
      }
      polled.erase(polled.begin() + static_cast<long>(i));
      clients.erase(clients.begin() + static_cast<long>(i - 1));
    }
    if (polled[0].revents & POLLIN) {
      int client = ::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC);
      if (client >= 0 && !TrustedPeer(client)) {
        LogWarning("keeper", "refused a client without the keeper's user and capabilities");
        ::close(client);
      } else if (client >= 0) {
        clients.emplace_back(client);
        polled.push_back({client, POLLIN, 0});
      }
    }
  }
}

absl::StatusOr<PinKeeperClient> PinKeeperClient::Connect(const std::string& socket_path) {
  ASSIGN_OR_RETURN(sockaddr_un address, SocketAddress(socket_path));
  UniqueFd socket(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
  if (!socket.valid()) return ErrnoError(errno, "create a socket for the pin keeper");
  if (::connect(socket.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
    return ErrnoError(errno, absl::StrCat("reach the pin keeper at ", socket_path),
                      "it is not running: cv-lsm load starts it again (and re-applies the "
                      "policies, which fail closed meanwhile)");
  }
  return PinKeeperClient(std::move(socket));
}

absl::Status PinKeeperClient::Call(uint32_t op, uint32_t policy_id,
                                   const std::vector<uint64_t>& values,
                                   const std::vector<int>& fds) {
  if (values.size() > kMaxValues) {
    return absl::InvalidArgumentError(
        absl::StrCat("too many values for the keeper: ", values.size()));
  }
  RequestHeader header{op, policy_id, static_cast<uint32_t>(values.size()), 0};
  std::vector<char> payload(sizeof(header) + values.size() * sizeof(uint64_t));
  std::memcpy(payload.data(), &header, sizeof(header));
  std::memcpy(payload.data() + sizeof(header), values.data(), values.size() * sizeof(uint64_t));
  iovec io{payload.data(), payload.size()};
  msghdr message{};
  message.msg_iov = &io;
  message.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(kMaxFdsPerMessage * sizeof(int))] = {};
  if (!fds.empty()) {
    message.msg_control = control;
    message.msg_controllen = CMSG_SPACE(fds.size() * sizeof(int));
    cmsghdr* c = CMSG_FIRSTHDR(&message);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(fds.size() * sizeof(int));
    std::memcpy(CMSG_DATA(c), fds.data(), fds.size() * sizeof(int));
  }
  if (::sendmsg(socket_.get(), &message, MSG_NOSIGNAL) < 0) {
    return ErrnoError(errno, "send a request to the pin keeper",
                      "is it running? cv-lsm status says; cv-lsm load restarts it");
  }
  Reply reply{};
  ssize_t got;
  while ((got = ::recv(socket_.get(), &reply, sizeof(reply), 0)) < 0 && errno == EINTR) {
  }
  if (got != sizeof(reply)) {
    return ErrnoError(got < 0 ? errno : EPIPE, "read the pin keeper's answer",
                      "the keeper exited: cv-lsm load restarts it");
  }
  if (reply.error != 0) return ErrnoError(reply.error, "the pin keeper refused a request");
  return absl::OkStatus();
}

absl::Status PinKeeperClient::Keep(uint32_t policy_id,
                                   const std::vector<std::pair<uint64_t, int>>& pins) {
  for (size_t start = 0; start < pins.size(); start += kMaxFdsPerMessage) {
    size_t end = std::min(pins.size(), start + kMaxFdsPerMessage);
    std::vector<uint64_t> keys;
    std::vector<int> fds;
    for (size_t i = start; i < end; ++i) {
      keys.push_back(pins[i].first);
      fds.push_back(pins[i].second);
    }
    RETURN_IF_ERROR(Call(kKeep, policy_id, keys, fds));
  }
  return absl::OkStatus();
}

absl::Status PinKeeperClient::Drop(uint32_t policy_id, uint64_t object_key) {
  return Call(kDrop, policy_id, {object_key}, {});
}

absl::Status PinKeeperClient::DropPolicy(uint32_t policy_id) {
  return Call(kDropPolicy, policy_id, {}, {});
}

absl::Status PinKeeperClient::RetainOnly(const std::vector<uint32_t>& policy_ids) {
  return Call(kRetainOnly, 0, std::vector<uint64_t>(policy_ids.begin(), policy_ids.end()), {});
}

}  // namespace cvlsm
