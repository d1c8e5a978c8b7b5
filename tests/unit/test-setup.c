/* test-setup.c - unit tests for the setup module's gather_subset rules and
 * for the parser of its node script's output, on output captured from a
 * testbed node (as gf and as root), from a VM with and without `ip`
 * (tests/data/setup), and on hand-made sections for GPUs and big CPUs. */
#include "../../engine/core/core.h"
#include "../../engine/modules/setup-private.h"
#include "harness.h"

static struct gf_val *parse_file(const char *name, unsigned subsets)
{
    struct gf_buf b = GF_BUF_INIT;
    struct gf_error err = GF_ERROR_INIT;
    char *path = gf_xasprintf("%s/setup/%s", gf_test_data(), name);

    if (gf_read_file(path, &b, 0, &err) < 0)
        FAILF("cannot read %s", path);
    struct gf_val *f = gf_setup_parse(b.buf, subsets);
    ASSERT(f != NULL);
    gf_buf_release(&b);
    free(path);
    return f;
}

/* The value at a dotted path ("ansible_eth0.ipv4.address"), as text. */
static const char *at(const struct gf_val *v, const char *path)
{
    static char buf[256];
    char key[128];

    while (v && *path) {
        size_t n = strcspn(path, ".");
        snprintf(key, sizeof(key), "%.*s", (int)n, path);
        if (v->type == GF_VAL_LIST)
            v = (size_t)atoi(key) < v->u.list.n ? v->u.list.v[atoi(key)] : NULL;
        else
            v = gf_val_map_get(v, key);
        path += n + (path[n] == '.');
    }
    if (v == NULL)
        return NULL;
    struct gf_buf b = GF_BUF_INIT;
    gf_val_to_text(v, &b);
    snprintf(buf, sizeof(buf), "%s", b.buf);
    gf_buf_release(&b);
    return buf;
}

static unsigned subsets_of(const char *csv, int *rc)
{
    struct gf_val *l = gf_val_list();
    struct gf_buf msg = GF_BUF_INIT;
    unsigned bits = 0;

    for (const char *s = csv; *s;) {
        size_t n = strcspn(s, ",");
        gf_val_list_push(l, gf_val_strn(s, n));
        s += n + (s[n] == ',');
    }
    *rc = gf_setup_subsets(l, &bits, &msg);
    gf_buf_release(&msg);
    gf_val_unref(l);
    return bits;
}

TEST(setup_subsets_as_ansible)
{
    int rc;

    ASSERT_EQ(subsets_of("", &rc), GF_FACTS_ALL);
    ASSERT_EQ(subsets_of("all", &rc), GF_FACTS_ALL);
    ASSERT_EQ(subsets_of("!all", &rc), GF_FACTS_MIN);
    ASSERT_EQ(subsets_of("min", &rc), GF_FACTS_MIN);
    ASSERT_EQ(subsets_of("!all,network", &rc), GF_FACTS_MIN | GF_FACTS_NETWORK);
    ASSERT_EQ(subsets_of("hardware", &rc), GF_FACTS_MIN | GF_FACTS_HARDWARE);
    ASSERT_EQ(subsets_of("all,!hardware", &rc), GF_FACTS_ALL & ~GF_FACTS_HARDWARE);
    ASSERT_EQ(subsets_of("!all,!min", &rc), 0);
    ASSERT_EQ(subsets_of("!min,network", &rc), GF_FACTS_NETWORK);
    ASSERT_EQ(rc, 0);
    subsets_of("facter", &rc);
    ASSERT_EQ(rc, -GF_EINVAL);
    subsets_of("!ohai", &rc);
    ASSERT_EQ(rc, -GF_EINVAL);
}

TEST(setup_script_has_only_asked_subsets)
{
    struct gf_buf b = GF_BUF_INIT;

    gf_setup_script(GF_FACTS_MIN, &b);
    ASSERT(strstr(b.buf, "s uname") && strstr(b.buf, "s end"));
    ASSERT(strstr(b.buf, "cpuinfo") == NULL && strstr(b.buf, "ip addr") == NULL);
    gf_buf_reset(&b);
    gf_setup_script(GF_FACTS_ALL, &b);
    ASSERT(strstr(b.buf, "cpuinfo") && strstr(b.buf, "ip addr") && strstr(b.buf, "nvidia-smi"));
    ASSERT(strstr(b.buf, "python") == NULL);
    gf_buf_release(&b);
}

TEST(setup_parse_needs_the_end_marker)
{
    ASSERT(gf_setup_parse("@@GF uname\nLinux\n", GF_FACTS_MIN) == NULL);
    ASSERT(gf_setup_parse("", GF_FACTS_MIN) == NULL);
}

/* Expected values: what `ansible -m setup` reported for the same node. */
TEST(setup_parse_testbed_node)
{
    struct gf_val *f = parse_file("node-user.out", GF_FACTS_ALL);

    ASSERT_STREQ(at(f, "ansible_distribution"), "Debian");
    ASSERT_STREQ(at(f, "ansible_distribution_version"), "12.15");
    ASSERT_STREQ(at(f, "ansible_distribution_major_version"), "12");
    ASSERT_STREQ(at(f, "ansible_distribution_minor_version"), "15");
    ASSERT_STREQ(at(f, "ansible_distribution_release"), "bookworm");
    ASSERT_STREQ(at(f, "ansible_os_family"), "Debian");
    ASSERT_STREQ(at(f, "ansible_system"), "Linux");
    ASSERT_STREQ(at(f, "ansible_architecture"), "x86_64");
    ASSERT_STREQ(at(f, "ansible_hostname"), "node1");
    ASSERT_STREQ(at(f, "ansible_fqdn"), "node1");
    ASSERT_STREQ(at(f, "ansible_domain"), "");
    ASSERT_STREQ(at(f, "ansible_user_id"), "gf");
    ASSERT_STREQ(at(f, "ansible_user_uid"), "1000");
    ASSERT_STREQ(at(f, "ansible_user_dir"), "/home/gf");
    ASSERT_STREQ(at(f, "ansible_user_shell"), "/bin/bash");
    ASSERT_STREQ(at(f, "ansible_env.HOME"), "/home/gf");
    ASSERT(at(f, "ansible_env.LC_ALL") == NULL); /* the script's own setting */
    ASSERT_STREQ(at(f, "ansible_processor_count"), "1");
    ASSERT_STREQ(at(f, "ansible_processor_cores"), "2");
    ASSERT_STREQ(at(f, "ansible_processor_vcpus"), "2");
    ASSERT_STREQ(at(f, "ansible_processor_nproc"), "2");
    ASSERT_STREQ(at(f, "ansible_processor.1"), "AuthenticAMD");
    ASSERT_STREQ(at(f, "ansible_memtotal_mb"), "24105");
    ASSERT_STREQ(at(f, "ansible_memory_mb.real.total"), "24105");
    ASSERT_STREQ(at(f, "ansible_service_mgr"), "systemd");
    ASSERT_STREQ(at(f, "ansible_pkg_mgr"), "apt");
    ASSERT_STREQ(at(f, "ansible_interfaces"), "['host0', 'lo']");
    ASSERT_STREQ(at(f, "ansible_host0.ipv4.address"), "10.213.1.11");
    ASSERT_STREQ(at(f, "ansible_host0.ipv4.netmask"), "255.255.255.0");
    ASSERT_STREQ(at(f, "ansible_host0.ipv4.network"), "10.213.1.0");
    ASSERT_STREQ(at(f, "ansible_host0.ipv4.prefix"), "24");
    ASSERT_STREQ(at(f, "ansible_host0.ipv6.0.scope"), "link");
    ASSERT_STREQ(at(f, "ansible_host0.speed"), "10000");
    ASSERT_STREQ(at(f, "ansible_lo.type"), "loopback");
    ASSERT_STREQ(at(f, "ansible_all_ipv4_addresses"), "['10.213.1.11']");
    ASSERT_STREQ(at(f, "ansible_default_ipv4"), "{}"); /* the testbed has no default route */
    ASSERT_STREQ(at(f, "ansible_virtualization_type"), "systemd-nspawn");
    ASSERT_STREQ(at(f, "ansible_virtualization_role"), "guest");
    ASSERT_STREQ(at(f, "ansible_date_time.tz"), "UTC");
    ASSERT_STREQ(at(f, "ansible_date_time.tz_dst"), "UTC");
    ASSERT_EQ(strlen(at(f, "ansible_date_time.iso8601_micro")), 27);
    ASSERT_STREQ(at(f, "gpuforge_gpu_count"), "0");
    ASSERT(at(f, "ansible_python") == NULL);
    gf_val_unref(f);
}

TEST(setup_parse_testbed_node_as_root)
{
    struct gf_val *f = parse_file("node-root.out", GF_FACTS_ALL);

    ASSERT_STREQ(at(f, "ansible_user_id"), "root");
    ASSERT_STREQ(at(f, "ansible_user_uid"), "0");
    ASSERT_STREQ(at(f, "ansible_real_user_id"), "0");
    /* root reads pid 1's environment (container=...), which Ansible checks first */
    ASSERT_STREQ(at(f, "ansible_virtualization_type"), "container");
    gf_val_unref(f);
}

TEST(setup_parse_min_only)
{
    struct gf_val *f = parse_file("node-user.out", GF_FACTS_MIN);

    ASSERT_STREQ(at(f, "ansible_distribution"), "Debian");
    ASSERT(at(f, "ansible_processor_vcpus") == NULL);
    ASSERT(at(f, "ansible_interfaces") == NULL);
    ASSERT(at(f, "gpuforge_gpus") == NULL);
    gf_val_unref(f);
}

/* A VM with a default route, a bridge and multi-line env values; the
 * expected network values are those `ansible -m setup` gave on it. */
TEST(setup_parse_vm_with_ip)
{
    struct gf_val *f = parse_file("vm-root.out", GF_FACTS_ALL);

    ASSERT_STREQ(at(f, "ansible_default_ipv4.address"), "192.0.2.2");
    ASSERT_STREQ(at(f, "ansible_default_ipv4.gateway"), "192.0.2.1");
    ASSERT_STREQ(at(f, "ansible_default_ipv4.interface"), "eth0");
    ASSERT_STREQ(at(f, "ansible_default_ipv4.alias"), "eth0");
    ASSERT_STREQ(at(f, "ansible_default_ipv4.broadcast"), "192.0.2.255");
    ASSERT_STREQ(at(f, "ansible_default_ipv4.netmask"), "255.255.255.0");
    ASSERT_STREQ(at(f, "ansible_default_ipv4.network"), "192.0.2.0");
    ASSERT_STREQ(at(f, "ansible_default_ipv4.macaddress"), "02:fc:00:00:00:01");
    ASSERT_STREQ(at(f, "ansible_default_ipv4.mtu"), "1400");
    ASSERT_STREQ(at(f, "ansible_default_ipv4.type"), "ether");
    ASSERT_STREQ(at(f, "ansible_default_ipv6.address"), "fd00::2");
    ASSERT_STREQ(at(f, "ansible_default_ipv6.gateway"), "fd00::1");
    ASSERT_STREQ(at(f, "ansible_default_ipv6.scope"), "global");
    ASSERT_STREQ(at(f, "ansible_eth0.pciid"), "virtio2");
    ASSERT_STREQ(at(f, "ansible_eth0.speed"), "-1");
    ASSERT_STREQ(at(f, "ansible_ifb0.active"), "False");
    ASSERT_STREQ(at(f, "ansible_gftb2.type"), "bridge");
    ASSERT_STREQ(at(f, "ansible_gftb2.interfaces"), "['vb-gf2n1', 'vb-gf2n2']");
    ASSERT_STREQ(at(f, "ansible_gftb2.stp"), "False");
    ASSERT_STREQ(at(f, "ansible_env.MULTI"), "line one\nline two");
    ASSERT_STREQ(at(f, "ansible_env.PATH"),
                 "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    ASSERT_STREQ(at(f, "ansible_virtualization_type"), "docker");
    ASSERT_STREQ(at(f, "ansible_dns.nameservers.0"), "10.255.255.53");
    gf_val_unref(f);
}

/* The same VM read through /proc/net and /sys/class/net only. */
TEST(setup_parse_vm_without_ip)
{
    struct gf_val *f = parse_file("vm-noip.out", GF_FACTS_ALL);

    ASSERT_STREQ(at(f, "ansible_default_ipv4.address"), "192.0.2.2");
    ASSERT_STREQ(at(f, "ansible_default_ipv4.gateway"), "192.0.2.1");
    ASSERT_STREQ(at(f, "ansible_default_ipv4.interface"), "eth0");
    ASSERT_STREQ(at(f, "ansible_default_ipv4.netmask"), "255.255.255.0");
    ASSERT_STREQ(at(f, "ansible_default_ipv4.network"), "192.0.2.0");
    ASSERT_STREQ(at(f, "ansible_default_ipv4.macaddress"), "02:fc:00:00:00:01");
    ASSERT_STREQ(at(f, "ansible_default_ipv6.address"), "fd00::2");
    ASSERT_STREQ(at(f, "ansible_default_ipv6.gateway"), "fd00::1");
    ASSERT_STREQ(at(f, "ansible_default_ipv6.prefix"), "64");
    ASSERT_STREQ(at(f, "ansible_lo.ipv4.address"), "127.0.0.1");
    ASSERT_STREQ(at(f, "ansible_lo.ipv4.prefix"), "8");
    ASSERT_STREQ(at(f, "ansible_gftb1.ipv4.address"), "10.213.1.1");
    ASSERT_STREQ(at(f, "ansible_gftb1.ipv4.prefix"), "24");
    ASSERT_STREQ(at(f, "ansible_eth0.ipv6.1.address"), "fe80::fc:ff:fe00:1");
    ASSERT_STREQ(at(f, "ansible_eth0.ipv6.1.scope"), "link");
    ASSERT_STREQ(at(f, "ansible_all_ipv4_addresses"), "['10.213.1.1', '10.213.2.1', '192.0.2.2']");
    gf_val_unref(f);
}

static const char gpu_out[] =
    "@@GF uname\nLinux\n6.1.0\nx86_64\ngpu1.example.com\n#1 SMP\n64\n"
    "@@GF cpu\n"
    "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Xeon\nphysical id\t: 0\n"
    "siblings\t: 8\ncore id\t\t: 0\ncpu cores\t: 4\n"
    "processor\t: 1\nvendor_id\t: GenuineIntel\nmodel name\t: Xeon\nphysical id\t: 1\n"
    "siblings\t: 8\ncore id\t\t: 0\ncpu cores\t: 4\n"
    "@@GF nproc\n16\n"
    "@@GF pci\n"
    "0000:02:00.0|0x030000|0x1a03|0x2000|ast|\"02:00.0\" \"VGA compatible controller\" "
    "\"ASPEED Technology, Inc.\" \"ASPEED Graphics Family\" -r52\n"
    "0000:3b:00.0|0x030200|0x10de|0x2330|nvidia|\"3b:00.0\" \"3D controller\" "
    "\"NVIDIA Corporation\" \"GH100 [H100 SXM5 80GB]\" -ra1\n"
    "0000:86:00.0|0x030200|0x10de|0x2330||\n"
    "@@GF nvver\nNVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.15  Tue Mar  5 2024\n"
    "@@GF nvsmi\n"
    "00000000:3B:00.0, NVIDIA H100 80GB HBM3, 550.54.15, 81559, GPU-11111111-2222\n"
    "@@GF end\n";

TEST(setup_parse_gpus_and_sockets)
{
    struct gf_val *f = gf_setup_parse(gpu_out, GF_FACTS_HARDWARE);

    ASSERT(f != NULL);
    ASSERT_STREQ(at(f, "gpuforge_gpu_count"), "2"); /* the BMC's VGA is no GPU */
    ASSERT_STREQ(at(f, "gpuforge_gpus.0.vendor"), "NVIDIA");
    ASSERT_STREQ(at(f, "gpuforge_gpus.0.pci_slot"), "0000:3b:00.0");
    ASSERT_STREQ(at(f, "gpuforge_gpus.0.model"), "NVIDIA H100 80GB HBM3");
    ASSERT_STREQ(at(f, "gpuforge_gpus.0.driver"), "nvidia");
    ASSERT_STREQ(at(f, "gpuforge_gpus.0.driver_version"), "550.54.15");
    ASSERT_STREQ(at(f, "gpuforge_gpus.0.memory_mb"), "81559");
    ASSERT_STREQ(at(f, "gpuforge_gpus.0.uuid"), "GPU-11111111-2222");
    ASSERT_STREQ(at(f, "gpuforge_gpus.1.model"), "2330"); /* no lspci, no nvidia-smi */
    ASSERT_STREQ(at(f, "gpuforge_gpus.1.driver"), "None");
    ASSERT_STREQ(at(f, "gpuforge_gpus.1.driver_version"), "550.54.15");
    ASSERT_STREQ(at(f, "ansible_processor_count"), "2");
    ASSERT_STREQ(at(f, "ansible_processor_cores"), "4");
    ASSERT_STREQ(at(f, "ansible_processor_threads_per_core"), "2");
    ASSERT_STREQ(at(f, "ansible_processor_vcpus"), "16");
    ASSERT_STREQ(at(f, "ansible_processor_nproc"), "16");
    ASSERT(at(f, "ansible_distribution") == NULL);
    gf_val_unref(f);
}

TEST(setup_parse_dst_zone_and_fqdn)
{
    static const char out[] =
        "@@GF uname\nLinux\n6.1.0\naarch64\nweb1\n#1 SMP\n64\n"
        "@@GF fqdn\nweb1.lab.example.org\n"
        "@@GF os\nNAME=\"Rocky Linux\"\nID=\"rocky\"\nVERSION_ID=\"9.3\"\n"
        "@@GF date\n2024|01|Monday|1|02|15|10|20|30|1705310430|CET|+0100|123456789\n"
        "2024-01-15T09:20:30\nCET|+0100\nCEST|+0200\n"
        "@@GF pkg\n/usr/bin/dnf\n/usr/bin/yum\n"
        "@@GF svc\nsh\nsystemd\nsysvinit\n"
        "@@GF end\n";
    struct gf_val *f = gf_setup_parse(out, GF_FACTS_MIN);

    ASSERT(f != NULL);
    ASSERT_STREQ(at(f, "ansible_hostname"), "web1");
    ASSERT_STREQ(at(f, "ansible_fqdn"), "web1.lab.example.org");
    ASSERT_STREQ(at(f, "ansible_domain"), "lab.example.org");
    ASSERT_STREQ(at(f, "ansible_distribution"), "Rocky");
    ASSERT_STREQ(at(f, "ansible_distribution_version"), "9.3");
    ASSERT_STREQ(at(f, "ansible_distribution_major_version"), "9");
    ASSERT_STREQ(at(f, "ansible_distribution_release"), "NA");
    ASSERT_STREQ(at(f, "ansible_os_family"), "RedHat");
    ASSERT_STREQ(at(f, "ansible_pkg_mgr"), "dnf");
    ASSERT_STREQ(at(f, "ansible_service_mgr"), "systemd"); /* pid 1 a shell: ask systemd */
    ASSERT_STREQ(at(f, "ansible_date_time.tz"), "CET");
    ASSERT_STREQ(at(f, "ansible_date_time.tz_dst"), "CEST");
    ASSERT_STREQ(at(f, "ansible_date_time.iso8601"), "2024-01-15T09:20:30Z");
    ASSERT_STREQ(at(f, "ansible_date_time.iso8601_micro"), "2024-01-15T09:20:30.123456Z");
    ASSERT_STREQ(at(f, "ansible_date_time.iso8601_basic"), "20240115T102030123456");
    ASSERT_STREQ(at(f, "ansible_date_time.iso8601_basic_short"), "20240115T102030");
    ASSERT_STREQ(at(f, "ansible_date_time.date"), "2024-01-15");
    ASSERT_STREQ(at(f, "ansible_date_time.time"), "10:20:30");
    ASSERT_STREQ(at(f, "ansible_date_time.epoch"), "1705310430");
    gf_val_unref(f);
}
