#include "seccomp/oci_target.h"

#include <sys/utsname.h>

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"

namespace cvlsm {
namespace {

// Go's architecture names (what includes/excludes "arches" use) and the archMap key of each,
// as in moby's profiles/seccomp.
struct ArchName {
  absl::string_view go;
  absl::string_view scmp;
};
constexpr ArchName kArchNames[] = {
    {"amd64", "SCMP_ARCH_X86_64"},        {"x86", "SCMP_ARCH_X86"},
    {"arm64", "SCMP_ARCH_AARCH64"},       {"arm", "SCMP_ARCH_ARM"},
    {"riscv64", "SCMP_ARCH_RISCV64"},     {"s390x", "SCMP_ARCH_S390X"},
    {"s390", "SCMP_ARCH_S390"},           {"ppc64le", "SCMP_ARCH_PPC64LE"},
    {"ppc64", "SCMP_ARCH_PPC64"},         {"ppc", "SCMP_ARCH_PPC"},
    {"mips64", "SCMP_ARCH_MIPS64"},       {"mipsel64", "SCMP_ARCH_MIPSEL64"},
    {"loong64", "SCMP_ARCH_LOONGARCH64"},
};

bool Contains(const std::vector<std::string>& list, absl::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

absl::string_view OciScmpArch(absl::string_view go_arch) {
  for (const ArchName& name : kArchNames) {
    if (name.go == go_arch) return name.scmp;
  }
  return {};
}

// An entry is left out if anything in excludes matches (the arch, any of the caps, a kernel
// at least minKernel), or if includes asks for something missing (another arch, any cap not
// held, an older kernel).
bool OciEntrySelected(const OciSyscallEntry& entry, const OciTarget& target) {
  const OciConditions& ex = entry.excludes;
  if (Contains(ex.arches, target.arch)) return false;
  for (const std::string& cap : ex.caps) {
    if (Contains(target.capabilities, cap)) return false;
  }
  if (ex.min_kernel && target.kernel >= *ex.min_kernel) return false;
  const OciConditions& in = entry.includes;
  if (!in.arches.empty() && !Contains(in.arches, target.arch)) return false;
  for (const std::string& cap : in.caps) {
    if (!Contains(target.capabilities, cap)) return false;
  }
  if (in.min_kernel && target.kernel < *in.min_kernel) return false;
  return true;
}

std::vector<std::string> DockerDefaultCapabilities() {
  return {"CAP_CHOWN",   "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",
          "CAP_MKNOD",   "CAP_NET_RAW",      "CAP_SETGID",           "CAP_SETUID",
          "CAP_SETFCAP", "CAP_SETPCAP",      "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
          "CAP_KILL",    "CAP_AUDIT_WRITE"};
}

std::string NativeOciArch() {
#if defined(__x86_64__)
  return "amd64";
#elif defined(__aarch64__)
  return "arm64";
#elif defined(__i386__)
  return "x86";
#elif defined(__arm__)
  return "arm";
#elif defined(__riscv) && __riscv_xlen == 64
  return "riscv64";
#elif defined(__s390x__)
  return "s390x";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  return "ppc64le";
#else
  return "";
#endif
}

OciKernelVersion RunningKernelVersion() {
  struct utsname uts {};
  OciKernelVersion version;
  if (uname(&uts) != 0) return version;
  const std::vector<absl::string_view> parts = absl::StrSplit(uts.release, absl::MaxSplits('.', 2));
  if (parts.size() >= 2) {
    (void)absl::SimpleAtoi(parts[0], &version.kernel);
    // "18-rc5" or "18": the leading digits.
    absl::string_view major = parts[1];
    major = major.substr(0, std::min(major.find_first_not_of("0123456789"), major.size()));
    (void)absl::SimpleAtoi(major, &version.major);
  }
  return version;
}

}  // namespace cvlsm
