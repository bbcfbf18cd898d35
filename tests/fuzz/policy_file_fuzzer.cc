// libFuzzer target for the readers of user-written JSON: policy files and OCI seccomp
// profiles. Besides "no crash", it checks what must hold for every accepted input: a policy
// round-trips through its file text, and an accepted profile imports or is refused cleanly.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/string_view.h"
#include "policy/policy_file.h"
#include "seccomp/oci_import.h"
#include "seccomp/oci_profile.h"

namespace {

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "policy_file_fuzzer: %s\n", what);
    std::abort();
  }
}

void PolicyRoundTrip(absl::string_view text) {
  absl::StatusOr<cvlsm::PolicyDocument> document = cvlsm::ParsePolicyText(text, "fuzz.json");
  if (!document.ok()) return;
  for (cvlsm::PolicyFileForm form :
       {cvlsm::PolicyFileForm::kCompact, cvlsm::PolicyFileForm::kExpanded}) {
    // Parsed strings are UTF-8 (the JSON parser checks), so serializing cannot fail.
    absl::StatusOr<std::string> written = cvlsm::SerializePolicy(*document, form);
    Check(written.ok(), "an accepted policy does not serialize");
    absl::StatusOr<cvlsm::PolicyDocument> again = cvlsm::ParsePolicyText(*written, "again.json");
    Check(again.ok(), "a serialized policy does not parse");
    Check(*again == *document, "a policy changed in a round trip");
  }
}

void OciImport(absl::string_view text) {
  absl::StatusOr<cvlsm::OciSeccompProfile> profile =
      cvlsm::ParseOciSeccompProfile(text, "fuzz.json");
  if (!profile.ok()) return;
  absl::StatusOr<cvlsm::OciImport> imported = cvlsm::ImportOciProfile(*profile, "fuzz");
  if (!imported.ok()) return;
  absl::StatusOr<std::string> written = cvlsm::SerializePolicy(imported->document);
  Check(written.ok(), "an imported policy does not serialize");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  PolicyRoundTrip(text);
  OciImport(text);
  return 0;
}
