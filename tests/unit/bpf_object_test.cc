// Opens the embedded BPF object without loading it (no privileges needed) and checks that
// the layout the compiler gave the shared structs is the one the C++ side was built with.
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <gtest/gtest.h>

#include <cstddef>
#include <set>
#include <string>

#include "cvlsm_abi.h"
#include "cvlsm_bpf.skel.h"
#include "cvlsm_bpf_pre_5_17.skel.h"

namespace cvlsm {
namespace {

class BpfObjectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    skel_ = cvlsm_bpf__open();
    ASSERT_NE(skel_, nullptr) << "the embedded BPF object does not open";
    btf_ = bpf_object__btf(skel_->obj);
    ASSERT_NE(btf_, nullptr) << "the BPF object has no BTF (built without -g?)";
  }
  void TearDown() override { cvlsm_bpf__destroy(skel_); }

  // Size of a struct in the object's BTF, and the byte offset of each named member.
  void ExpectLayout(const char* name, size_t size,
                    std::initializer_list<std::pair<const char*, size_t>> members) {
    int id = btf__find_by_name_kind(btf_, name, BTF_KIND_STRUCT);
    ASSERT_GT(id, 0) << "struct " << name << " not in the object's BTF";
    const struct btf_type* type = btf__type_by_id(btf_, id);
    EXPECT_EQ(type->size, size) << name;
    for (const auto& [member_name, offset] : members) {
      bool found = false;
      const struct btf_member* member = btf_members(type);
      for (int i = 0; i < btf_vlen(type); ++i, ++member) {
        if (std::string(btf__name_by_offset(btf_, member->name_off)) != member_name) continue;
        found = true;
        EXPECT_EQ(btf_member_bit_offset(type, i), offset * 8) << name << "." << member_name;
      }
      EXPECT_TRUE(found) << name << "." << member_name << " missing from BTF";
    }
  }

  cvlsm_bpf* skel_ = nullptr;
  const struct btf* btf_ = nullptr;
};

TEST_F(BpfObjectTest, SharedStructsMatchTheAbiHeader) {
  ExpectLayout("cvlsm_cgroup_policy", sizeof(cvlsm_cgroup_policy),
               {{"policy_id", offsetof(cvlsm_cgroup_policy, policy_id)},
                {"proc_self_modes", offsetof(cvlsm_cgroup_policy, proc_self_modes)},
                {"flags", offsetof(cvlsm_cgroup_policy, flags)}});
  ExpectLayout("cvlsm_rule_key", sizeof(cvlsm_rule_key),
               {{"policy_id", offsetof(cvlsm_rule_key, policy_id)},
                {"inode", offsetof(cvlsm_rule_key, inode)}});
  ExpectLayout("cvlsm_object_id", sizeof(cvlsm_object_id),
               {{"found", offsetof(cvlsm_object_id, found)},
                {"filter_bit", offsetof(cvlsm_object_id, filter_bit)},
                {"inode", offsetof(cvlsm_object_id, inode)}});
  ExpectLayout(
      "cvlsm_rule_value", sizeof(cvlsm_rule_value),
      {{"allow", offsetof(cvlsm_rule_value, allow)}, {"deny", offsetof(cvlsm_rule_value, deny)}});
  ExpectLayout("cvlsm_cgroup_stats", sizeof(cvlsm_cgroup_stats),
               {{"denied", offsetof(cvlsm_cgroup_stats, denied)},
                {"events_dropped", offsetof(cvlsm_cgroup_stats, events_dropped)},
                {"records_dropped", offsetof(cvlsm_cgroup_stats, records_dropped)},
                {"records_made", offsetof(cvlsm_cgroup_stats, records_made)},
                {"window_events", offsetof(cvlsm_cgroup_stats, window_events)}});
  ExpectLayout("cvlsm_event", sizeof(cvlsm_event),
               {{"cgroup", offsetof(cvlsm_event, cgroup)},
                {"pid", offsetof(cvlsm_event, pid)},
                {"comm", offsetof(cvlsm_event, comm)},
                {"hook", offsetof(cvlsm_event, hook)},
                {"requested", offsetof(cvlsm_event, requested)},
                {"flags", offsetof(cvlsm_event, flags)},
                {"detail", offsetof(cvlsm_event, detail)},
                {"path_length", offsetof(cvlsm_event, path_length)},
                {"path", offsetof(cvlsm_event, path)}});
  ExpectLayout("cvlsm_denial_key", sizeof(cvlsm_denial_key),
               {{"object", offsetof(cvlsm_denial_key, object)},
                {"ino", offsetof(cvlsm_denial_key, ino)},
                {"hook", offsetof(cvlsm_denial_key, hook)},
                {"detail", offsetof(cvlsm_denial_key, detail)},
                {"flags", offsetof(cvlsm_denial_key, flags)}});
  ExpectLayout("cvlsm_denial_record", sizeof(cvlsm_denial_record),
               {{"count", offsetof(cvlsm_denial_record, count)},
                {"first", offsetof(cvlsm_denial_record, first)}});
  ExpectLayout("cvlsm_net4_key", sizeof(cvlsm_net4_key),
               {{"prefixlen", offsetof(cvlsm_net4_key, prefixlen)},
                {"policy_id", offsetof(cvlsm_net4_key, policy_id)},
                {"selector", offsetof(cvlsm_net4_key, selector)},
                {"address", offsetof(cvlsm_net4_key, address)}});
  ExpectLayout("cvlsm_net6_key", sizeof(cvlsm_net6_key),
               {{"prefixlen", offsetof(cvlsm_net6_key, prefixlen)},
                {"policy_id", offsetof(cvlsm_net6_key, policy_id)},
                {"selector", offsetof(cvlsm_net6_key, selector)},
                {"address", offsetof(cvlsm_net6_key, address)}});
  ExpectLayout(
      "cvlsm_net_ports", sizeof(cvlsm_net_ports),
      {{"count", offsetof(cvlsm_net_ports, count)}, {"range", offsetof(cvlsm_net_ports, range)}});
  ExpectLayout("cvlsm_unix_name_key", sizeof(cvlsm_unix_name_key),
               {{"policy_id", offsetof(cvlsm_unix_name_key, policy_id)},
                {"length", offsetof(cvlsm_unix_name_key, length)},
                {"name", offsetof(cvlsm_unix_name_key, name)}});
}

TEST_F(BpfObjectTest, MapsHaveTheAbiSizes) {
  EXPECT_EQ(bpf_map__key_size(skel_->maps.cvlsm_cgroups), sizeof(__u64));
  EXPECT_EQ(bpf_map__value_size(skel_->maps.cvlsm_cgroups), sizeof(cvlsm_cgroup_policy));
  EXPECT_EQ(bpf_map__max_entries(skel_->maps.cvlsm_cgroups), CVLSM_MAX_ENFORCED_CGROUPS);
  EXPECT_EQ(bpf_map__key_size(skel_->maps.cvlsm_path_rules), sizeof(cvlsm_rule_key));
  EXPECT_EQ(bpf_map__value_size(skel_->maps.cvlsm_path_rules), sizeof(cvlsm_rule_value));
  EXPECT_EQ(bpf_map__type(skel_->maps.cvlsm_stats), BPF_MAP_TYPE_PERCPU_HASH);
  EXPECT_EQ(bpf_map__value_size(skel_->maps.cvlsm_stats), sizeof(cvlsm_cgroup_stats));
  EXPECT_EQ(bpf_map__key_size(skel_->maps.cvlsm_denials), sizeof(cvlsm_denial_key));
  EXPECT_EQ(bpf_map__value_size(skel_->maps.cvlsm_denials), sizeof(cvlsm_denial_record));
  EXPECT_EQ(bpf_map__type(skel_->maps.cvlsm_events), BPF_MAP_TYPE_RINGBUF);
  EXPECT_EQ(bpf_map__max_entries(skel_->maps.cvlsm_events), CVLSM_EVENT_RING_BYTES);
  EXPECT_EQ(bpf_map__type(skel_->maps.cvlsm_net4), BPF_MAP_TYPE_LPM_TRIE);
  EXPECT_EQ(bpf_map__key_size(skel_->maps.cvlsm_net4), sizeof(cvlsm_net4_key));
  EXPECT_EQ(bpf_map__type(skel_->maps.cvlsm_net6), BPF_MAP_TYPE_LPM_TRIE);
  EXPECT_EQ(bpf_map__key_size(skel_->maps.cvlsm_net6), sizeof(cvlsm_net6_key));
  EXPECT_EQ(bpf_map__value_size(skel_->maps.cvlsm_net6), sizeof(cvlsm_net_ports));
  EXPECT_EQ(bpf_map__key_size(skel_->maps.cvlsm_unix_names), sizeof(cvlsm_unix_name_key));
}

// The manager maps .bss as exactly one cvlsm_global_state (OpenPinned refuses any other
// size). The object is linked from several units: a variable defined in more than one of
// them would leave its room in .bss once per definition, with the skeleton none the wiser.
TEST(BpfObjectBssTest, GlobalStateIsTheWholeBssInBothBuilds) {
  cvlsm_bpf* skel = cvlsm_bpf__open();
  ASSERT_NE(skel, nullptr);
  EXPECT_EQ(bpf_map__value_size(skel->maps.bss), sizeof(cvlsm_global_state));
  cvlsm_bpf__destroy(skel);
  cvlsm_bpf_pre_5_17* pre_5_17 = cvlsm_bpf_pre_5_17__open();
  ASSERT_NE(pre_5_17, nullptr);
  EXPECT_EQ(bpf_map__value_size(pre_5_17->maps.bss), sizeof(cvlsm_global_state));
  cvlsm_bpf_pre_5_17__destroy(pre_5_17);
}

// The manager maps the rule filter as CVLSM_RULE_FILTER_WORDS contiguous words and sets
// bits in it while the programs read them: it must be a mappable array of that shape.
TEST_F(BpfObjectTest, RuleFilterIsAMappableArrayOfTheAbiSize) {
  const struct bpf_map* filter = skel_->maps.cvlsm_rule_filter;
  EXPECT_EQ(bpf_map__type(filter), BPF_MAP_TYPE_ARRAY);
  EXPECT_EQ(bpf_map__max_entries(filter), CVLSM_RULE_FILTER_WORDS);
  EXPECT_EQ(bpf_map__value_size(filter), sizeof(__u64));
  EXPECT_NE(bpf_map__map_flags(filter) & BPF_F_MMAPABLE, 0u);
}

// Every bit falls inside the filter, and the inode numbers of a large policy (often
// consecutive: files made together) spread over it, so most path components skip the rule
// lookups (bench/: flat from 10 to 100k rules).
TEST(RuleFilterBitTest, ConsecutiveInodeNumbersSpreadOverTheFilter) {
  std::set<__u32> bits;
  for (__u64 ino = 1; ino <= 10000; ++ino) {
    __u32 bit = cvlsm_rule_filter_bit(ino);
    ASSERT_LT(bit, CVLSM_RULE_FILTER_WORDS * 64u);
    bits.insert(bit);
  }
  EXPECT_GT(bits.size(), 9900u);
  EXPECT_EQ(cvlsm_rule_filter_bit(123456789), cvlsm_rule_filter_bit(123456789));
}

TEST_F(BpfObjectTest, ProgramsAreLsmHooks) {
  EXPECT_STREQ(bpf_program__section_name(skel_->progs.cvlsm_file_open), "lsm/file_open");
  EXPECT_STREQ(bpf_program__section_name(skel_->progs.cvlsm_bprm_check_security),
               "lsm/bprm_check_security");
  EXPECT_EQ(bpf_program__type(skel_->progs.cvlsm_file_open), BPF_PROG_TYPE_LSM);
}

}  // namespace
}  // namespace cvlsm
