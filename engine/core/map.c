/* map.c - insertion-ordered string map with an open-addressing index. */
#include <stdlib.h>
#include <string.h>

#include "core.h"

uint32_t gf_hash(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */

    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 16777619u;
    }
    return h;
}

static void map_reindex(struct gf_map *m, size_t cap)
{
    free(m->idx);
    m->idx = gf_xcalloc(cap, sizeof(*m->idx));
    m->idx_cap = cap;
    for (size_t i = 0; i < m->n; i++) {
        size_t j = gf_hash(m->ents[i].key) & (cap - 1);
        while (m->idx[j])
            j = (j + 1) & (cap - 1);
        m->idx[j] = (uint32_t)(i + 1);
    }
}

long gf_map_find(const struct gf_map *m, const char *key)
{
    if (m->n == 0)
        return -1;
    if (m->idx == NULL) { /* small maps: linear */
        for (size_t i = 0; i < m->n; i++)
            if (strcmp(m->ents[i].key, key) == 0)
                return (long)i;
        return -1;
    }
    size_t j = gf_hash(key) & (m->idx_cap - 1);
    while (m->idx[j]) {
        size_t i = m->idx[j] - 1;
        if (strcmp(m->ents[i].key, key) == 0)
            return (long)i;
        j = (j + 1) & (m->idx_cap - 1);
    }
    return -1;
}

void *gf_map_get(const struct gf_map *m, const char *key)
{
    long i = gf_map_find(m, key);

    return i < 0 ? NULL : m->ents[i].val;
}

void *gf_map_set(struct gf_map *m, const char *key, void *val)
{
    long i = gf_map_find(m, key);

    if (i >= 0) {
        void *old = m->ents[i].val;
        m->ents[i].val = val;
        return old;
    }
    if (m->n == m->alloc) {
        m->alloc = m->alloc ? m->alloc * 2 : 4;
        m->ents = gf_xrealloc(m->ents, m->alloc * sizeof(*m->ents));
    }
    m->ents[m->n].key = gf_xstrdup(key);
    m->ents[m->n].val = val;
    m->n++;
    if (m->n > 8) {
        if (m->idx == NULL || m->n * 2 > m->idx_cap) {
            size_t cap = 32;
            while (cap < m->n * 3)
                cap *= 2;
            map_reindex(m, cap);
        } else {
            size_t j = gf_hash(key) & (m->idx_cap - 1);
            while (m->idx[j])
                j = (j + 1) & (m->idx_cap - 1);
            m->idx[j] = (uint32_t)m->n;
        }
    }
    return NULL;
}

void *gf_map_del(struct gf_map *m, const char *key)
{
    long i = gf_map_find(m, key);

    if (i < 0)
        return NULL;
    void *old = m->ents[i].val;
    free(m->ents[i].key);
    memmove(m->ents + i, m->ents + i + 1, (m->n - (size_t)i - 1) * sizeof(*m->ents));
    m->n--;
    if (m->idx)
        map_reindex(m, m->idx_cap);
    return old;
}

void gf_map_release(struct gf_map *m, void (*fn)(void *))
{
    for (size_t i = 0; i < m->n; i++) {
        if (fn)
            fn(m->ents[i].val);
        free(m->ents[i].key);
    }
    free(m->ents);
    free(m->idx);
    memset(m, 0, sizeof(*m));
}
