/* test-mount-unarchive.c - unit tests for the pure parts of the mount
 * module (fstab edits, swap entries, /proc/self/mounts lookup) and of the unarchive
 * module (re-streaming an archive as tar, reading `tar --diff`). */
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "../../engine/core/core.h"
#include "../../engine/modules/mount-private.h"
#include "../../engine/modules/unarchive-private.h"
#include "harness.h"

static const struct gf_fstab_ent nfs = {
    "srv:/export/data", "/mnt/data", "nfs", "rw,hard", "0", "0",
};

static char *edit(const char *text, const struct gf_fstab_ent *e, int remove, int *changed)
{
    struct gf_buf out = GF_BUF_INIT;

    *changed = gf_fstab_edit(text, e, remove, &out);
    return gf_buf_detach(&out, NULL);
}

TEST(fstab_appends_a_missing_entry)
{
    int ch;
    char *s = edit("# static\nUUID=1 / ext4 defaults 0 1\n", &nfs, 0, &ch);

    ASSERT_EQ(ch, 1);
    ASSERT_STREQ(s, "# static\nUUID=1 / ext4 defaults 0 1\nsrv:/export/data /mnt/data nfs "
                    "rw,hard 0 0\n");
    free(s);
    s = edit("UUID=1 / ext4 defaults 0 1", &nfs, 0, &ch); /* no final newline */
    ASSERT_STREQ(s, "UUID=1 / ext4 defaults 0 1\nsrv:/export/data /mnt/data nfs rw,hard 0 0\n");
    free(s);
    s = edit("", &nfs, 0, &ch);
    ASSERT_STREQ(s, "srv:/export/data /mnt/data nfs rw,hard 0 0\n");
    free(s);
}

TEST(fstab_keeps_an_equal_entry_and_rewrites_a_different_one)
{
    int ch;
    char *s = edit("# c\nsrv:/export/data\t/mnt/data  nfs rw,hard\n", &nfs, 0, &ch);

    ASSERT_EQ(ch, 0); /* dump and passno default to 0; the layout is kept */
    ASSERT_STREQ(s, "# c\nsrv:/export/data\t/mnt/data  nfs rw,hard\n");
    free(s);
    s = edit("a / ext4 defaults 0 1\nsrv:/old /mnt/data nfs ro 0 0\n# end\n", &nfs, 0, &ch);
    ASSERT_EQ(ch, 1);
    ASSERT_STREQ(s, "a / ext4 defaults 0 1\nsrv:/export/data /mnt/data nfs rw,hard 0 0\n# end\n");
    free(s);
    /* a commented-out entry is not the entry */
    s = edit("#srv:/export/data /mnt/data nfs rw,hard 0 0\n", &nfs, 0, &ch);
    ASSERT_EQ(ch, 1);
    free(s);
}

TEST(fstab_removes_every_entry_of_the_mount_point)
{
    int ch;
    char *s = edit("a / ext4 defaults 0 1\nx /mnt/data nfs ro 0 0\ny /mnt/data nfs rw 0 0\n",
                   &nfs, 1, &ch);

    ASSERT_EQ(ch, 1);
    ASSERT_STREQ(s, "a / ext4 defaults 0 1\n");
    free(s);
    s = edit("a / ext4 defaults 0 1\n", &nfs, 1, &ch);
    ASSERT_EQ(ch, 0);
    ASSERT_STREQ(s, "a / ext4 defaults 0 1\n");
    free(s);
}

TEST(fstab_escapes_blanks)
{
    struct gf_fstab_ent e = { "/srv/my data", "/mnt/my data", "none", "bind", "0", "0" };
    int ch;
    char *s = edit("", &e, 0, &ch);

    ASSERT_STREQ(s, "/srv/my\\040data /mnt/my\\040data none bind 0 0\n");
    char *again = edit(s, &e, 0, &ch);
    ASSERT_EQ(ch, 0); /* the escaped entry is recognised */
    free(again);
    free(s);
}

TEST(fstab_swap_entries_are_told_apart_by_src)
{
    struct gf_fstab_ent e = { "/swapfile", "none", "swap", "sw", "0", "0" };
    int ch;
    char *s = edit("/dev/sda2 none swap sw 0 0\n", &e, 0, &ch);

    ASSERT_EQ(ch, 1); /* another swap's line is not this entry: appended */
    ASSERT_STREQ(s, "/dev/sda2 none swap sw 0 0\n/swapfile none swap sw 0 0\n");
    char *again = edit(s, &e, 0, &ch);
    ASSERT_EQ(ch, 0);
    free(again);
    again = edit(s, &e, 1, &ch); /* absent removes only this one */
    ASSERT_EQ(ch, 1);
    ASSERT_STREQ(again, "/dev/sda2 none swap sw 0 0\n");
    free(again);
    free(s);
    s = edit("/swapfile none swap defaults 0 0\n", &e, 0, &ch);
    ASSERT_EQ(ch, 1); /* the same swap with other options is rewritten */
    ASSERT_STREQ(s, "/swapfile none swap sw 0 0\n");
    free(s);
}

TEST(mounts_find_takes_the_last_mount)
{
    static const char mounts[] =
        "/dev/vda / ext4 rw,relatime 0 0\n"
        "tmpfs /mnt/t tmpfs rw,size=1024k 0 0\n"
        "tmpfs /mnt/t tmpfs rw,size=4096k 0 0\n"
        "/dev/vdb /mnt/my\\040disk ext4 rw 0 0\n";
    char *src, *type, *opts;

    ASSERT_EQ(gf_mounts_find(mounts, "/mnt/t", &src, &type, &opts), 1);
    ASSERT_STREQ(opts, "rw,size=4096k");
    free(src), free(type), free(opts);
    ASSERT_EQ(gf_mounts_find(mounts, "/mnt/my disk", &src, &type, &opts), 1);
    ASSERT_STREQ(src, "/dev/vdb");
    free(src), free(type), free(opts);
    ASSERT_EQ(gf_mounts_find(mounts, "/mnt", &src, &type, &opts), 0);
    ASSERT(src == NULL && type == NULL && opts == NULL);
}

TEST(tar_diff_counts_content_not_times)
{
    ASSERT_EQ(gf_tar_diff_changed("", 0), 0);
    ASSERT_EQ(gf_tar_diff_changed("app/a: Mod time differs\n", 0), 0);
    ASSERT_EQ(gf_tar_diff_changed("app/a: Uid differs\napp/a: Gid differs\n", 0), 0);
    ASSERT_EQ(gf_tar_diff_changed("app/a: Uid differs\n", 1), 1);
    ASSERT_EQ(gf_tar_diff_changed("app/a: Mod time differs\napp/a: Contents differ\n", 0), 1);
    ASSERT_EQ(gf_tar_diff_changed("app/a: Mode differs\n", 0), 1);
    static const char missing[] =
        "tar: app/b: Warning: Cannot stat: No such file or directory\n"
        "tar: Exiting with failure status due to previous errors\n";
    ASSERT_EQ(gf_tar_diff_changed(missing, 0), 1);
    ASSERT_EQ(gf_tar_diff_changed("tar: invalid option -- 'd'\n", 0), 1);
    /* --strip-components leaves the stripped top directory as "" */
    ASSERT_EQ(gf_tar_diff_changed("tar: : Warning: Cannot stat: No such file or directory\n",
                                  0), 0);
}

/* Writes a zip with a directory, a file, a symlink (and optionally a
 * member that leaves the destination) to path. */
static void make_zip(const char *path, int evil)
{
    struct archive *a = archive_write_new();
    struct archive_entry *e = archive_entry_new();

    archive_write_set_format_zip(a);
    ASSERT(archive_write_open_filename(a, path) == ARCHIVE_OK);
    archive_entry_set_pathname(e, "d/");
    archive_entry_set_filetype(e, AE_IFDIR);
    archive_entry_set_perm(e, 0755);
    archive_write_header(a, e);
    archive_entry_clear(e);
    archive_entry_set_pathname(e, evil ? "../escape" : "d/f.txt");
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0600);
    archive_entry_set_size(e, 6);
    archive_write_header(a, e);
    archive_write_data(a, "hello\n", 6);
    archive_entry_clear(e);
    archive_entry_set_pathname(e, "d/l");
    archive_entry_set_filetype(e, AE_IFLNK);
    archive_entry_set_symlink(e, "f.txt");
    archive_write_header(a, e);
    archive_entry_free(e);
    archive_write_close(a);
    archive_write_free(a);
}

TEST(restream_zip_as_tar_with_owner_and_mode)
{
    char path[] = "/tmp/gf-unit-zip-XXXXXX";
    int fd = mkstemp(path);
    struct gf_restream_opts o = { "alice", "staff", 0640 };
    struct gf_buf tar = GF_BUF_INIT;
    struct gf_val *files = gf_val_list();
    struct gf_error err = GF_ERROR_INIT;

    ASSERT(fd >= 0);
    close(fd);
    make_zip(path, 0);
    ASSERT_EQ(gf_unarchive_restream(path, &o, &tar, files, &err), 0);
    ASSERT_EQ(files->u.list.n, 3);
    ASSERT_STREQ(((struct gf_val *)files->u.list.v[1])->u.str.s, "d/f.txt");
    /* read the stream back: a tar with the same members and new headers */
    struct archive *a = archive_read_new();
    struct archive_entry *e;
    char data[16] = "";
    archive_read_support_format_tar(a);
    ASSERT(archive_read_open_memory(a, tar.buf, tar.len) == ARCHIVE_OK);
    ASSERT(archive_read_next_header(a, &e) == ARCHIVE_OK);
    ASSERT_STREQ(archive_entry_pathname(e), "d/");
    ASSERT_EQ(archive_entry_perm(e), 0640);
    ASSERT(archive_read_next_header(a, &e) == ARCHIVE_OK);
    ASSERT_STREQ(archive_entry_uname(e), "alice");
    ASSERT_STREQ(archive_entry_gname(e), "staff");
    ASSERT_EQ(archive_read_data(a, data, sizeof(data)), 6);
    ASSERT_STREQ(data, "hello\n");
    ASSERT(archive_read_next_header(a, &e) == ARCHIVE_OK);
    ASSERT_STREQ(archive_entry_symlink(e), "f.txt");
    ASSERT(archive_read_next_header(a, &e) == ARCHIVE_EOF);
    archive_read_free(a);
    gf_buf_release(&tar);
    gf_val_unref(files);
    unlink(path);
}

TEST(restream_refuses_members_outside_dest)
{
    char path[] = "/tmp/gf-unit-zip-XXXXXX";
    int fd = mkstemp(path);
    struct gf_restream_opts o = { NULL, NULL, -1 };
    struct gf_buf tar = GF_BUF_INIT;
    struct gf_error err = GF_ERROR_INIT;

    ASSERT(fd >= 0);
    close(fd);
    make_zip(path, 1);
    ASSERT_EQ(gf_unarchive_restream(path, &o, &tar, NULL, &err), -GF_EINVAL);
    ASSERT(strstr(err.msg, "../escape") != NULL);
    gf_error_clear(&err);
    ASSERT_EQ(gf_unarchive_restream("/nonexistent.tgz", &o, &tar, NULL, &err), -GF_EIO);
    gf_error_clear(&err);
    gf_buf_release(&tar);
    unlink(path);
}
