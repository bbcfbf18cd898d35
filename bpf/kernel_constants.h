/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Every kernel constant the programs use that vmlinux.h does not carry (it holds types and
 * enums, not #defines), in one place, each with the kernel header it comes from. They are
 * user ABI or values that have not moved in the kernels cv-lsm supports (5.10 to 7.2).
 */
#ifndef CVLSM_KERNEL_CONSTANTS_H
#define CVLSM_KERNEL_CONSTANTS_H

/* First: some kernels' vmlinux.h has an enum constant of the same name and value
 * (MNT_INTERNAL), which a #define seen before it would turn into a syntax error. */
#include "vmlinux.h"

/* errno values (include/uapi/asm-generic/errno-base.h, errno.h) */
#define EPERM 1
#define EACCES 13
#define EEXIST 17
#define EXDEV 18
#define ENOSYS 38
/* The largest errno a syscall returns (include/linux/err.h). */
#define MAX_ERRNO 4095

/* struct file.f_mode (include/linux/fs.h) */
#define FMODE_READ 0x1u
#define FMODE_WRITE 0x2u
#define FMODE_EXEC 0x20u

/* struct vfsmount.mnt_flags (include/linux/mount.h) */
#define MNT_INTERNAL 0x4000
/* struct mount.mnt_ns of the kernel's own mounts and of private clones (fs/mount.h): kern_mount,
 * clone_private_mount. ERR_PTR(-EINVAL). */
#define MNT_NS_INTERNAL ((void *)-22)

/* struct super_block.s_magic (include/uapi/linux/magic.h) */
#define PROC_SUPER_MAGIC 0x9fa0
#define CGROUP2_SUPER_MAGIC 0x63677270
#define BPF_FS_MAGIC 0xcafe4a11

/* mmap()/mprotect() protection (include/uapi/asm-generic/mman-common.h) and the matching
 * struct vm_area_struct.vm_flags bit (include/linux/mm.h) */
#define PROT_EXEC 0x4ul
#define VM_EXEC 0x4ul

/* struct inode.i_mode file types (include/uapi/linux/stat.h) and i_flags (include/linux/fs.h):
 * S_PRIVATE marks the kernel's own inodes, e.g. the shmem file behind a shared anonymous
 * mapping or a SysV segment. */
#define S_IFMT 0170000
#define S_IFCHR 0020000
#define S_IFBLK 0060000
#define S_PRIVATE (1u << 9)

/* struct super_block.s_flags (include/linux/fs.h): a filesystem the kernel mounted for itself
 * (kern_mount: pipes, sockets, anonymous inodes, the shmem behind memfd), reached by
 * descriptors only. */
#define SB_KERNMOUNT (1ul << 22)

/* struct iattr.ia_valid (include/linux/fs.h) */
#define ATTR_SIZE (1u << 3)
#define ATTR_ATIME (1u << 4)
#define ATTR_MTIME (1u << 5)

/* fcntl() commands and lease types (include/uapi/asm-generic/fcntl.h, linux/fcntl.h) */
#define F_SETOWN 8
#define F_SETOWN_EX 15
#define F_SETLEASE 1024
#define F_UNLCK 2

/* ioctl() commands (include/uapi/linux/fs.h, fsverity.h, asm-generic/ioctls.h, termbits.h,
 * tty.h, fs.h's block ones): x86_64 values; ioctls of other ABIs are refused by the filter. */
#define FS_IOC_SETFLAGS 0x40086602u
#define FS_IOC32_SETFLAGS 0x40046602u
#define FS_IOC_SETVERSION 0x40087602u
#define FS_IOC32_SETVERSION 0x40047602u
#define FS_IOC_FSSETXATTR 0x401c5820u
#define FS_IOC_ENABLE_VERITY 0x40806685u
#define TCGETS 0x5401u
#define TIOCGPGRP 0x540fu
#define TIOCOUTQ 0x5411u
#define TIOCGWINSZ 0x5413u
#define FIONREAD 0x541bu
#define FIONBIO 0x5421u
#define TIOCGSID 0x5429u
#define TCGETS2 0x802c542au
#define TIOCGPTN 0x80045430u
#define FIONCLEX 0x5450u
#define FIOCLEX 0x5451u
#define BLKROGET 0x125eu
#define BLKGETSIZE 0x1260u
#define BLKSSZGET 0x1268u
#define BLKIOMIN 0x1278u
#define BLKIOOPT 0x1279u
#define BLKPBSZGET 0x127bu
#define BLKGETSIZE64 0x80081272u

/* renameat2() flags (include/uapi/linux/fs.h) */
#define RENAME_EXCHANGE (1u << 1)

/* Socket families (include/linux/socket.h); the protocols and socket types vmlinux.h has
 * as enums (IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, IPPROTO_MPTCP; SOCK_STREAM, SOCK_DGRAM)
 * come from there. */
#define AF_UNSPEC 0
#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define AF_NETLINK 16
#define NETLINK_ROUTE 0
#define IPPROTO_ICMPV6 58  /* include/uapi/linux/in6.h */
#define SOCK_TYPE_MASK 0xf /* include/linux/net.h */

/* send flags (include/linux/socket.h) and socket options that reroute a packet:
 * source routes (include/uapi/linux/in.h, in6.h) */
#define MSG_FASTOPEN 0x20000000
#define SOL_IP 0
#define SOL_IPV6 41
#define IP_OPTIONS 4
#define IP_RETOPTS 7
#define IPV6_2292PKTOPTIONS 6
#define IPV6_2292RTHDR 5
#define IPV6_RTHDR 57

/* unix_find()'s flags: the kernel's own lookup of its coredump socket (include/net/af_unix.h,
 * 7.1+). */
#define SOCK_COREDUMP 0400 /* O_NOCTTY */

/* The kernel stack of an x86_64 task (THREAD_SIZE, arch/x86/include/asm/page_64_types.h,
 * without KASAN): task_pt_regs() sits at its top. */
#define X86_64_THREAD_SIZE 16384

#endif /* CVLSM_KERNEL_CONSTANTS_H */
