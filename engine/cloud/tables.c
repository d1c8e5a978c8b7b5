/*
 * tables.c - what the abstract sizes (s, m, l, xl) and GPU names (t4, v100,
 * a100, ...) mean on each provider, in which regions a GPU is offered, and
 * which vendor region a generic one (us-east, eu-west, ...) means. The
 * generic names follow the Terraform provider gpuforge was designed from:
 * sizes m, l, xl, GPUs k80 and tesla (the V100), regions us-west, us-east,
 * eu-west, eu-north; on AWS they map to the m5, p2 and p3 families, on
 * Azure to the F and NC series.
 * A value outside the abstract names is native and passes through to the
 * plugin, whose validate operation judges it. Editing a row here is all it
 * takes to follow a provider's catalogue.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud.h"

static const char *const sizes[] = { "s", "m", "l", "xl" };
static const char *const gpus[] = { "t4", "l4", "a10g", "k80", "v100", "tesla", "a100", "h100" };

struct row {
    const char *provider;
    const char *gpu; /* NULL: no GPU */
    const char *type[4];     /* per size; NULL: not offered */
    const char *accel;       /* accelerator to attach, NULL when the type implies it */
    int count[4];            /* GPUs per size */
    int fixed;               /* the type fixes the count */
};

static const struct row rows[] = {
    { "aws", NULL, { "t3.medium", "m5.xlarge", "m5.4xlarge", "m5.12xlarge" }, NULL,
      { 0, 0, 0, 0 }, 1 },
    { "aws", "t4", { "g4dn.xlarge", "g4dn.2xlarge", "g4dn.12xlarge", "g4dn.metal" }, NULL,
      { 1, 1, 4, 8 }, 1 },
    { "aws", "a10g", { "g5.xlarge", "g5.2xlarge", "g5.12xlarge", "g5.48xlarge" }, NULL,
      { 1, 1, 4, 8 }, 1 },
    { "aws", "k80", { "p2.xlarge", "p2.xlarge", "p2.8xlarge", "p2.16xlarge" }, NULL,
      { 1, 1, 8, 16 }, 1 },
    { "aws", "v100", { "p3.2xlarge", "p3.8xlarge", "p3.16xlarge", "p3dn.24xlarge" }, NULL,
      { 1, 4, 8, 8 }, 1 },
    { "aws", "a100", { NULL, NULL, "p4d.24xlarge", "p4de.24xlarge" }, NULL, { 0, 0, 8, 8 }, 1 },
    { "aws", "h100", { NULL, NULL, NULL, "p5.48xlarge" }, NULL, { 0, 0, 0, 8 }, 1 },
    { "gcp", NULL, { "e2-standard-2", "n2-standard-4", "n2-standard-16", "n2-standard-32" },
      NULL, { 0, 0, 0, 0 }, 1 },
    { "gcp", "t4", { "n1-standard-4", "n1-standard-8", "n1-standard-16", "n1-standard-32" },
      "nvidia-tesla-t4", { 1, 1, 2, 4 }, 0 },
    { "gcp", "v100", { "n1-standard-8", "n1-standard-16", "n1-standard-32", "n1-standard-64" },
      "nvidia-tesla-v100", { 1, 2, 4, 8 }, 0 },
    { "gcp", "l4", { "g2-standard-4", "g2-standard-8", "g2-standard-24", "g2-standard-48" },
      "nvidia-l4", { 1, 1, 2, 4 }, 1 },
    { "gcp", "a100", { "a2-highgpu-1g", "a2-highgpu-2g", "a2-highgpu-4g", "a2-highgpu-8g" },
      "nvidia-tesla-a100", { 1, 2, 4, 8 }, 1 },
    { "gcp", "h100", { NULL, NULL, NULL, "a3-highgpu-8g" }, "nvidia-h100-80gb",
      { 0, 0, 0, 8 }, 1 },
    /* Azure: the F series, and the NC series' GPU sizes (the K80's NC v1 is
     * retired); the plugin's validate asks which sizes the subscription has */
    { "azure", NULL, { "Standard_F2s_v2", "Standard_F4s_v2", "Standard_F8s_v2",
                       "Standard_F16s_v2" }, NULL, { 0, 0, 0, 0 }, 1 },
    { "azure", "t4", { "Standard_NC4as_T4_v3", "Standard_NC8as_T4_v3", "Standard_NC16as_T4_v3",
                       "Standard_NC64as_T4_v3" }, NULL, { 1, 1, 1, 4 }, 1 },
    { "azure", "v100", { "Standard_NC6s_v3", "Standard_NC6s_v3", "Standard_NC12s_v3",
                         "Standard_NC24s_v3" }, NULL, { 1, 1, 2, 4 }, 1 },
    { "azure", "a100", { "Standard_NC24ads_A100_v4", "Standard_NC24ads_A100_v4",
                         "Standard_NC48ads_A100_v4", "Standard_NC96ads_A100_v4" }, NULL,
      { 1, 1, 2, 4 }, 1 },
    { "azure", "h100", { NULL, NULL, "Standard_NC40ads_H100_v5", "Standard_NC80adis_H100_v5" },
      NULL, { 0, 0, 1, 2 }, 1 },
    { "local-vm", NULL, { "1cpu-512m", "1cpu-1024m", "2cpu-2048m", "2cpu-4096m" }, NULL,
      { 0, 0, 0, 0 }, 1 },
};

/* Regions each provider has, and where each GPU is offered ("*": all). */
struct regions {
    const char *provider;
    const char *gpu; /* NULL: the provider's region list */
    const char *list;
};

static const struct regions region_rows[] = {
    { "aws", NULL, "us-east-1 us-east-2 us-west-1 us-west-2 ca-central-1 eu-west-1 eu-west-2 "
                   "eu-central-1 eu-north-1 ap-northeast-1 ap-northeast-2 ap-southeast-1 "
                   "ap-southeast-2 ap-south-1 sa-east-1" },
    { "aws", "t4", "*" },
    { "aws", "k80", "us-east-1 us-east-2 us-west-2 eu-west-1 eu-central-1 ap-northeast-1 "
                    "ap-northeast-2 ap-southeast-1 ap-southeast-2 ap-south-1" },
    { "aws", "a10g", "us-east-1 us-east-2 us-west-2 ca-central-1 eu-west-1 eu-west-2 "
                     "eu-central-1 eu-north-1 ap-northeast-1 ap-northeast-2 ap-southeast-1 "
                     "ap-southeast-2 ap-south-1" },
    { "aws", "v100", "us-east-1 us-east-2 us-west-2 ca-central-1 eu-west-1 eu-west-2 "
                     "eu-central-1 ap-northeast-1 ap-northeast-2 ap-southeast-1 "
                     "ap-southeast-2" },
    { "aws", "a100", "us-east-1 us-west-2 eu-central-1 ap-northeast-1" },
    { "aws", "h100", "us-east-1 us-east-2 us-west-2 eu-north-1 ap-northeast-1 ap-south-1" },
    { "gcp", NULL, "us-central1 us-east1 us-east4 us-west1 us-west4 europe-west1 europe-west4 "
                   "europe-north1 asia-east1 asia-northeast1 asia-southeast1" },
    { "gcp", "t4", "*" },
    { "gcp", "v100", "us-central1 us-east1 us-west1 europe-west4 asia-east1" },
    { "gcp", "l4", "us-central1 us-east1 us-east4 us-west1 us-west4 europe-west1 europe-west4 "
                   "asia-east1 asia-northeast1 asia-southeast1" },
    { "gcp", "a100", "us-central1 us-east1 us-west1 us-west4 europe-west4 asia-northeast1 "
                     "asia-southeast1" },
    { "gcp", "h100", "us-central1 us-east4 us-west1 europe-west4 asia-southeast1" },
    { "azure", NULL, "eastus eastus2 westus westus2 westus3 centralus southcentralus "
                     "northeurope westeurope uksouth swedencentral germanywestcentral "
                     "japaneast southeastasia australiaeast" },
    { "azure", "t4", "eastus eastus2 westus2 westus3 southcentralus northeurope westeurope "
                     "uksouth japaneast southeastasia australiaeast" },
    { "azure", "v100", "eastus eastus2 westus2 southcentralus northeurope westeurope uksouth "
                       "japaneast southeastasia australiaeast" },
    { "azure", "a100", "eastus eastus2 westus2 westus3 southcentralus northeurope westeurope "
                       "swedencentral southeastasia australiaeast" },
    { "azure", "h100", "eastus eastus2 westus3 southcentralus swedencentral" },
    { "local-vm", NULL, "local" },
};

/* Generic regions and what they are per provider. */
static const struct {
    const char *provider, *generic, *region;
} region_aliases[] = {
    { "aws", "us-east", "us-east-1" },   { "aws", "us-west", "us-west-2" },
    { "aws", "eu-west", "eu-west-1" },   { "aws", "eu-north", "eu-north-1" },
    { "gcp", "us-east", "us-east1" },    { "gcp", "us-west", "us-west1" },
    { "gcp", "eu-west", "europe-west1" }, { "gcp", "eu-north", "europe-north1" },
    { "azure", "us-east", "eastus" },     { "azure", "us-west", "westus2" },
    { "azure", "eu-west", "westeurope" }, { "azure", "eu-north", "northeurope" },
};

const char *gf_cloud_region_resolve(const char *provider, const char *region)
{
    for (size_t i = 0; i < GF_ARRAY_LEN(region_aliases); i++)
        if (strcmp(region_aliases[i].provider, provider) == 0 &&
            strcmp(region_aliases[i].generic, region) == 0)
            return region_aliases[i].region;
    return region;
}

static int index_of(const char *const *v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i], s) == 0)
            return (int)i;
    return -1;
}

static int word_in(const char *list, const char *w)
{
    size_t n = strlen(w);

    if (strcmp(list, "*") == 0)
        return 1;
    for (const char *p = list; (p = strstr(p, w)) != NULL; p += n)
        if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
            return 1;
    return 0;
}

static const char *region_list(const char *provider, const char *gpu)
{
    for (size_t i = 0; i < GF_ARRAY_LEN(region_rows); i++)
        if (strcmp(region_rows[i].provider, provider) == 0 &&
            (gpu ? region_rows[i].gpu && strcmp(region_rows[i].gpu, gpu) == 0
                 : region_rows[i].gpu == NULL))
            return region_rows[i].list;
    return NULL;
}

int gf_cloud_provider_known(const char *provider)
{
    return region_list(provider, NULL) != NULL;
}

int gf_cloud_shape_resolve(const char *provider, const char *region, const char *size,
                           const char *gpu, struct gf_cloud_shape *out, const char **which,
                           char **msg)
{
    if (gpu && strcmp(gpu, "tesla") == 0)
        gpu = "v100"; /* the Terraform provider's name for it */
    region = gf_cloud_region_resolve(provider, region);
    int si = index_of(sizes, GF_ARRAY_LEN(sizes), size);
    int gi = gpu ? index_of(gpus, GF_ARRAY_LEN(gpus), gpu) : -1;
    const char *regions = region_list(provider, NULL);

    memset(out, 0, sizeof(*out));
    *which = NULL;
    *msg = NULL;
    if (regions && !word_in(regions, region)) {
        *which = "region";
        *msg = gf_xasprintf("region '%s' is not one of %s's: %s", region, provider, regions);
        return -GF_EINVAL;
    }
    if (regions == NULL || (si < 0 && (gpu == NULL || gi < 0))) {
        /* an unknown provider, or native values: the plugin judges them */
        out->instance_type = size;
        out->gpu = gpu;
        out->gpu_count = gpu ? 1 : 0;
        out->gpu_count_fixed = 0;
        return 0;
    }
    if (si < 0) {
        /* a native type with an abstract GPU name: attach that GPU */
        out->instance_type = size;
    }
    const struct row *r = NULL;
    for (size_t i = 0; i < GF_ARRAY_LEN(rows); i++)
        if (strcmp(rows[i].provider, provider) == 0 &&
            (gpu ? rows[i].gpu && strcmp(rows[i].gpu, gpu) == 0 : rows[i].gpu == NULL))
            r = &rows[i];
    if (gpu && gi >= 0 && r == NULL) {
        struct gf_buf have = GF_BUF_INIT;
        for (size_t i = 0; i < GF_ARRAY_LEN(rows); i++)
            if (strcmp(rows[i].provider, provider) == 0 && rows[i].gpu)
                gf_buf_addf(&have, "%s%s", have.len ? ", " : "", rows[i].gpu);
        *which = "instance_gpu";
        if (have.len)
            *msg = gf_xasprintf("instance_gpu '%s' is not offered by %s (it has: %s)", gpu,
                                provider, have.buf);
        else
            *msg = gf_xasprintf("instance_gpu '%s': %s has no GPUs", gpu, provider);
        gf_buf_release(&have);
        return -GF_EINVAL;
    }
    if (gpu && gi < 0) {
        /* a native accelerator name */
        out->instance_type = si >= 0 && r ? r->type[si] : size;
        out->gpu = gpu;
        out->gpu_count = 1;
        return 0;
    }
    if (si < 0) {
        out->gpu = r->accel ? r->accel : NULL;
        out->gpu_count = 1;
        out->gpu_count_fixed = 0;
        if (r->accel == NULL) {
            *which = "instance_gpu";
            *msg = gf_xasprintf("on %s the GPU comes with the instance type: give instance_type "
                                "s|m|l|xl with instance_gpu '%s', or a native type alone",
                                provider, gpu);
            return -GF_EINVAL;
        }
    } else if (r->type[si] == NULL) {
        struct gf_buf ok = GF_BUF_INIT;
        for (int i = 0; i < 4; i++)
            if (r->type[i])
                gf_buf_addf(&ok, "%s%s", ok.len ? ", " : "", sizes[i]);
        *which = "instance_type";
        *msg = gf_xasprintf("size '%s' has no %s shape on %s (sizes offered: %s)", size,
                            gpu ? gpu : "CPU", provider, ok.buf);
        gf_buf_release(&ok);
        return -GF_EINVAL;
    } else {
        out->instance_type = r->type[si];
        out->gpu = r->accel;
        out->gpu_count = r->count[si];
        out->gpu_count_fixed = r->fixed;
    }
    if (gpu) {
        const char *where = region_list(provider, gpu);
        if (where && !word_in(where, region)) {
            *which = "instance_gpu";
            *msg = gf_xasprintf("%s is not offered by %s in region '%s' (offered in: %s)", gpu,
                                provider, region, where);
            return -GF_EINVAL;
        }
    }
    return 0;
}
