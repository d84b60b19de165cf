/* XDMF descriptions of output files (upscale/xdmf.h).
 *
 * Every data item is a reference into the HDF5 file; a field at snapshot i is the slab
 * (start i, count 1) of the [snapshot x ...] dataset, the electrode's x coordinates a slab
 * of /mesh/x.  Checked with ParaView 5.11 (Debian 12): its Xdmf3 readers, the default for
 * .xdmf, show the three grids as time series; with pvbatch, both readers (S and T) give the
 * single 2D particle's 2DSMesh and, for a cell with 2D particles, every node's particle and
 * surface (nested temporal/spatial collections, the strided slab of the surface corners) with
 * the values of the HDF5 file at every snapshot (docs/sweeps.md).  Written to a new
 * PATH.tmp.XXXXXX and renamed. */
#include "upscale/xdmf.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "upscale/file.h"
#include "upscale/h5read.h"

typedef struct {
    upscale_h5read *r;
    FILE *f;
    char h5ref[1200]; /* the HDF5 file name as the XML refers to it (escaped) */
} ctx;

static void xml_escape(const char *in, char *out, size_t size)
{
    size_t n = 0;
    for (; *in && n + 7 < size; in++) {
        const char *rep = *in == '&'   ? "&amp;"
                          : *in == '<' ? "&lt;"
                          : *in == '>' ? "&gt;"
                          : *in == '"' ? "&quot;"
                                       : NULL;
        if (rep)
            n += (size_t)snprintf(out + n, size - n, "%s", rep);
        else
            out[n++] = *in;
    }
    out[n] = '\0';
}

/* A whole dataset: <DataItem Dimensions="dims" ... Format="HDF">file:path</DataItem>. */
static void item_hdf(const ctx *c, const char *indent, const char *path, const char *dims)
{
    fprintf(c->f,
            "%s<DataItem Dimensions=\"%s\" NumberType=\"Float\" Precision=\"8\" "
            "Format=\"HDF\">%s:%s</DataItem>\n",
            indent, dims, c->h5ref, path);
}

/* Part of a dataset: start, stride (NULL: 1) and count per dimension (rank entries), result
 * shape out_dims.  Xdmf3's syntax "FILE:PATH|START:STRIDE:COUNT:DATASPACE" (what ParaView's
 * Xdmf3 readers, its default for .xdmf, understand; the older ItemType="HyperSlab" they do
 * not). */
static void item_slab_stride(const ctx *c, const char *indent, const char *path, int rank,
                             const size_t *full, const size_t *start, const size_t *stride,
                             const size_t *count, const char *out_dims)
{
    char sel[512] = "";
    size_t m = 0;
    const size_t one = 1;
    const size_t *parts[4] = {start, stride, count, full};
    for (int q = 0; q < 4; q++)
        for (int i = 0; i < rank; i++)
            m += (size_t)snprintf(sel + m, sizeof(sel) - m, "%s%zu", i ? " " : (q ? ":" : ""),
                                  parts[q] ? parts[q][i] : one);
    fprintf(c->f,
            "%s<DataItem Dimensions=\"%s\" NumberType=\"Float\" Precision=\"8\" "
            "Format=\"HDF\">%s:%s|%s</DataItem>\n",
            indent, out_dims, c->h5ref, path, sel);
}

static void item_slab(const ctx *c, const char *indent, const char *path, int rank,
                      const size_t *full, const size_t *start, const size_t *count,
                      const char *out_dims)
{
    item_slab_stride(c, indent, path, rank, full, start, NULL, count, out_dims);
}

/* Shape of a dataset that must have the given rank. */
static upscale_err shape(ctx *c, const char *path, int want, size_t *dims)
{
    int rank;
    UPSCALE_CALL(upscale_h5read_shape(c->r, path, &rank, dims));
    UPSCALE_CHECK(rank == want, UPSCALE_ERR_INPUT, "%s has rank %d, expected %d", path, rank, want);
    return UPSCALE_OK;
}

static upscale_err read_vector(ctx *c, const char *path, size_t *n, double **v)
{
    size_t dims[UPSCALE_H5READ_RANK_MAX];
    UPSCALE_CALL(shape(c, path, 1, dims));
    *n = dims[0];
    *v = malloc(sizeof(double) * (*n ? *n : 1));
    UPSCALE_ALLOC_CHECK(*v);
    upscale_err e = upscale_h5read_doubles(c->r, path, *n, *v);
    if (e) {
        free(*v);
        *v = NULL;
    }
    UPSCALE_CALL(e);
    return UPSCALE_OK;
}

/* The 2D particle of a run of upscale-particle2d: c and mu per (theta, r) cell on the
 * structured mesh of the cell corners in the meridional plane (/mesh/nodes_xz_positive). */
static upscale_err write_particle2d(ctx *c, const char *prefix, const char *label, size_t ns,
                                    const double *t)
{
    static const char *const fields[] = {"particle_concentration", "particle_chemical_potential"};
    char path[700], nodes[700];
    size_t dn[UPSCALE_H5READ_RANK_MAX], dims[UPSCALE_H5READ_RANK_MAX];
    snprintf(nodes, sizeof(nodes), "%s/mesh/nodes_xz_positive", prefix);
    UPSCALE_CALL(shape(c, nodes, 2, dn));
    snprintf(path, sizeof(path), "%s/fields/%s_positive", prefix, fields[0]);
    UPSCALE_CALL(shape(c, path, 3, dims));
    size_t nt = dims[1], nr = dims[2];
    UPSCALE_CHECK(dims[0] == ns && dn[0] == (nt + 1) * (nr + 1) && dn[1] == 2, UPSCALE_ERR_INPUT,
                  "%s is %zu x %zu x %zu and %s %zu x %zu, expected %zu snapshots and %zu x 2 "
                  "corners",
                  path, dims[0], nt, nr, nodes, dn[0], dn[1], ns, (nt + 1) * (nr + 1));
    fprintf(c->f,
            "    <Grid Name=\"%sparticle2d_positive\" GridType=\"Collection\" "
            "CollectionType=\"Temporal\">\n",
            label);
    for (size_t i = 0; i < ns; i++) {
        char dc[64], dg[64], dt[64];
        snprintf(dc, sizeof(dc), "%zu %zu", nt + 1, nr + 1);
        snprintf(dg, sizeof(dg), "%zu 2", dn[0]);
        snprintf(dt, sizeof(dt), "%zu %zu", nt, nr);
        fprintf(c->f, "      <Grid Name=\"%sparticle2d_positive_%zu\" GridType=\"Uniform\">\n",
                label, i);
        fprintf(c->f, "        <Time Value=\"%.17g\"/>\n", t[i]);
        fprintf(c->f, "        <Topology TopologyType=\"2DSMesh\" Dimensions=\"%s\"/>\n", dc);
        fprintf(c->f, "        <Geometry GeometryType=\"XY\">\n");
        item_hdf(c, "          ", nodes, dg);
        fprintf(c->f, "        </Geometry>\n");
        for (int q = 0; q < 2; q++) {
            snprintf(path, sizeof(path), "%s/fields/%s_positive", prefix, fields[q]);
            if (!upscale_h5read_exists(c->r, path)) continue;
            UPSCALE_CALL(shape(c, path, 3, dims));
            UPSCALE_CHECK(dims[0] == ns && dims[1] == nt && dims[2] == nr, UPSCALE_ERR_INPUT,
                          "%s is %zu x %zu x %zu, expected %zu x %zu x %zu", path, dims[0], dims[1],
                          dims[2], ns, nt, nr);
            fprintf(c->f,
                    "        <Attribute Name=\"%s\" AttributeType=\"Scalar\" Center=\"Cell\">\n",
                    fields[q]);
            size_t start[3] = {i, 0, 0}, cnt[3] = {1, nt, nr};
            item_slab(c, "          ", path, 3, dims, start, cnt, dt);
            fprintf(c->f, "        </Attribute>\n");
        }
        fprintf(c->f, "      </Grid>\n");
    }
    fprintf(c->f, "    </Grid>\n");
    return UPSCALE_OK;
}

/* The 2D particles of a cell (upscale run, positive.particle_dimension: 2), all positive nodes
 * of the nx nodes with their region: one temporal collection per node a (0 at the separator,
 * the x of its centre in an Information element), each snapshot a spatial collection of
 *   particle: c per (theta, r) cell of /fields/particle2d_concentration_positive
 *     [snapshot][node][theta][r] on the 2DSMesh of /mesh/nodes_xz_positive (the mesh every
 *     node's particle shares);
 *   surface: the surface flux per theta cell of /fields/particle2d_surface_flux_positive
 *     [snapshot][node][theta] on the curve r = R, the (nt + 1) x 1 2DSMesh of the corners' last
 *     column (rows k (nr + 1) + nr, a strided slab). */
static upscale_err write_cell_particles2d(ctx *c, const char *prefix, const char *label, size_t ns,
                                          const double *t, size_t nx, const double *region)
{
    char cpath[700], jpath[700], nodes[700], xpath[700];
    size_t dc[UPSCALE_H5READ_RANK_MAX], dn[UPSCALE_H5READ_RANK_MAX], dj[UPSCALE_H5READ_RANK_MAX];
    snprintf(cpath, sizeof(cpath), "%s/fields/particle2d_concentration_positive", prefix);
    snprintf(jpath, sizeof(jpath), "%s/fields/particle2d_surface_flux_positive", prefix);
    snprintf(nodes, sizeof(nodes), "%s/mesh/nodes_xz_positive", prefix);
    snprintf(xpath, sizeof(xpath), "%s/mesh/x", prefix);
    UPSCALE_CALL(shape(c, cpath, 4, dc));
    UPSCALE_CHECK(upscale_h5read_exists(c->r, nodes), UPSCALE_ERR_INPUT,
                  "%s: %s has 2D particles but no %s, the mesh they are described on (a file "
                  "from before upscale run wrote it: run the case again)",
                  c->h5ref, cpath, nodes);
    UPSCALE_CALL(shape(c, nodes, 2, dn));
    size_t n = dc[1], nt = dc[2], nr = dc[3], off = 0, count = 0;
    while (off < nx && (int)region[off] != 2)
        off++;
    while (off + count < nx && (int)region[off + count] == 2)
        count++;
    UPSCALE_CHECK(dc[0] == ns && n == count && dn[0] == (nt + 1) * (nr + 1) && dn[1] == 2,
                  UPSCALE_ERR_INPUT,
                  "%s is %zu x %zu x %zu x %zu and %s %zu x %zu, but there are %zu snapshots, %zu "
                  "cells in the positive electrode and %zu x 2 corners",
                  cpath, dc[0], n, nt, nr, nodes, dn[0], dn[1], ns, count, (nt + 1) * (nr + 1));
    int flux = upscale_h5read_exists(c->r, jpath);
    if (flux) {
        UPSCALE_CALL(shape(c, jpath, 3, dj));
        UPSCALE_CHECK(dj[0] == ns && dj[1] == n && dj[2] == nt, UPSCALE_ERR_INPUT,
                      "%s is %zu x %zu x %zu, expected %zu x %zu x %zu", jpath, dj[0], dj[1], dj[2],
                      ns, n, nt);
    }
    double *x = NULL;
    size_t nxx;
    UPSCALE_CALL(read_vector(c, xpath, &nxx, &x));
    if (nxx != nx) {
        free(x);
        UPSCALE_CHECK(0, UPSCALE_ERR_INPUT, "%s has %zu entries, /mesh/region %zu", xpath, nxx, nx);
    }
    char dcor[64], dgeo[64], dcell[64], dsurf[64], dsgeo[64], dflux[64];
    snprintf(dcor, sizeof(dcor), "%zu %zu", nt + 1, nr + 1);
    snprintf(dgeo, sizeof(dgeo), "%zu 2", dn[0]);
    snprintf(dcell, sizeof(dcell), "%zu %zu", nt, nr);
    snprintf(dsurf, sizeof(dsurf), "%zu 1", nt + 1);
    snprintf(dsgeo, sizeof(dsgeo), "%zu 2", nt + 1);
    snprintf(dflux, sizeof(dflux), "%zu 1", nt);
    for (size_t a = 0; a < n; a++) {
        fprintf(c->f,
                "    <Grid Name=\"%sparticle2d_positive_node_%zu\" GridType=\"Collection\" "
                "CollectionType=\"Temporal\">\n",
                label, a);
        fprintf(c->f, "      <Information Name=\"x\" Value=\"%.17g\"/>\n", x[off + a]);
        for (size_t i = 0; i < ns; i++) {
            fprintf(c->f,
                    "      <Grid Name=\"%sparticle2d_positive_node_%zu_%zu\" "
                    "GridType=\"Collection\" CollectionType=\"Spatial\">\n",
                    label, a, i);
            fprintf(c->f, "        <Time Value=\"%.17g\"/>\n", t[i]);
            fprintf(c->f, "        <Grid Name=\"particle\" GridType=\"Uniform\">\n");
            fprintf(c->f, "          <Topology TopologyType=\"2DSMesh\" Dimensions=\"%s\"/>\n",
                    dcor);
            fprintf(c->f, "          <Geometry GeometryType=\"XY\">\n");
            item_hdf(c, "            ", nodes, dgeo);
            fprintf(c->f, "          </Geometry>\n");
            fprintf(c->f, "          <Attribute Name=\"particle2d_concentration\" "
                          "AttributeType=\"Scalar\" Center=\"Cell\">\n");
            size_t start[4] = {i, a, 0, 0}, cnt[4] = {1, 1, nt, nr};
            item_slab(c, "            ", cpath, 4, dc, start, cnt, dcell);
            fprintf(c->f, "          </Attribute>\n");
            fprintf(c->f, "        </Grid>\n");
            if (flux) {
                fprintf(c->f, "        <Grid Name=\"surface\" GridType=\"Uniform\">\n");
                fprintf(c->f, "          <Topology TopologyType=\"2DSMesh\" Dimensions=\"%s\"/>\n",
                        dsurf);
                fprintf(c->f, "          <Geometry GeometryType=\"XY\">\n");
                size_t gs[2] = {nr, 0}, gstride[2] = {nr + 1, 1}, gc[2] = {nt + 1, 2};
                item_slab_stride(c, "            ", nodes, 2, dn, gs, gstride, gc, dsgeo);
                fprintf(c->f, "          </Geometry>\n");
                fprintf(c->f, "          <Attribute Name=\"particle2d_surface_flux\" "
                              "AttributeType=\"Scalar\" Center=\"Cell\">\n");
                size_t js[3] = {i, a, 0}, jc[3] = {1, 1, nt};
                item_slab(c, "            ", jpath, 3, dj, js, jc, dflux);
                fprintf(c->f, "          </Attribute>\n");
                fprintf(c->f, "        </Grid>\n");
            }
            fprintf(c->f, "      </Grid>\n");
        }
        fprintf(c->f, "    </Grid>\n");
    }
    free(x);
    return UPSCALE_OK;
}

/* One run's fields below prefix ("" or "/rate_1C"); names get label ("" or "rate_1C/"). */
static upscale_err write_run(ctx *c, const char *prefix, const char *label)
{
    char path[700], p2[700];
    double *t = NULL, *region = NULL;
    size_t ns, nx;
    snprintf(path, sizeof(path), "%s/fields/time", prefix);
    UPSCALE_CALL(read_vector(c, path, &ns, &t));
    snprintf(path, sizeof(path), "%s/fields/particle2d_concentration_positive", prefix);
    int cell2d = upscale_h5read_exists(c->r, path);
    snprintf(path, sizeof(path), "%s/mesh/nodes_xz_positive", prefix);
    if (!cell2d && upscale_h5read_exists(c->r, path)) {
        upscale_err e = write_particle2d(c, prefix, label, ns, t);
        free(t);
        return e;
    }
    snprintf(path, sizeof(path), "%s/mesh/region", prefix);
    upscale_err e = read_vector(c, path, &nx, &region);
    static const char *const names[] = {"negative", "", "positive"};
    for (int g = 0; g < 3 && !e; g += 2) {
        size_t dims[UPSCALE_H5READ_RANK_MAX];
        snprintf(path, sizeof(path), "%s/fields/particle_concentration_%s", prefix, names[g]);
        if (!upscale_h5read_exists(c->r, path)) continue;
        if ((e = shape(c, path, 3, dims))) break;
        size_t n = dims[1], nr = dims[2], off = 0, count = 0;
        while (off < nx && (int)region[off] != g)
            off++;
        while (off + count < nx && (int)region[off + count] == g)
            count++;
        if (dims[0] != ns || count != n) {
            e = upscale_error_set(UPSCALE_ERR_INPUT, __FILE__, __LINE__, __func__,
                                  "%s is %zu x %zu x %zu, but there are %zu snapshots and %zu "
                                  "cells in the %s electrode",
                                  path, dims[0], n, nr, ns, count, names[g]);
            break;
        }
        fprintf(c->f,
                "    <Grid Name=\"%sparticles_%s\" GridType=\"Collection\" "
                "CollectionType=\"Temporal\">\n",
                label, names[g]);
        for (size_t i = 0; i < ns; i++) {
            char d2[64], dn[32];
            snprintf(d2, sizeof(d2), "%zu %zu", n, nr);
            snprintf(dn, sizeof(dn), "%zu", n);
            fprintf(c->f, "      <Grid Name=\"%sparticles_%s_%zu\" GridType=\"Uniform\">\n", label,
                    names[g], i);
            fprintf(c->f, "        <Time Value=\"%.17g\"/>\n", t[i]);
            fprintf(c->f, "        <Topology TopologyType=\"2DRectMesh\" Dimensions=\"%s\"/>\n",
                    d2);
            fprintf(c->f, "        <Geometry GeometryType=\"VXVY\">\n");
            char dr[32];
            snprintf(dr, sizeof(dr), "%zu", nr);
            snprintf(p2, sizeof(p2), "%s/mesh/r_%s", prefix, names[g]);
            item_hdf(c, "          ", p2, dr);
            snprintf(p2, sizeof(p2), "%s/mesh/x", prefix);
            size_t full = nx;
            item_slab(c, "          ", p2, 1, &full, &off, &count, dn);
            fprintf(c->f, "        </Geometry>\n");
            fprintf(c->f,
                    "        <Attribute Name=\"particle_concentration\" AttributeType=\"Scalar\" "
                    "Center=\"Node\">\n");
            size_t start[3] = {i, 0, 0}, cnt[3] = {1, n, nr};
            item_slab(c, "          ", path, 3, dims, start, cnt, d2);
            fprintf(c->f, "        </Attribute>\n");
            fprintf(c->f, "      </Grid>\n");
        }
        fprintf(c->f, "    </Grid>\n");
    }
    /* The electrolyte and the other fields vs x. */
    static const char *const fields[] = {"electrolyte_concentration", "electrolyte_potential",
                                         "solid_potential", "reaction_flux"};
    int present[4] = {0};
    for (int q = 0; q < 4 && !e; q++) {
        size_t dims[UPSCALE_H5READ_RANK_MAX];
        snprintf(path, sizeof(path), "%s/fields/%s", prefix, fields[q]);
        if (!upscale_h5read_exists(c->r, path)) continue;
        if ((e = shape(c, path, 2, dims))) break;
        if (dims[0] != ns || dims[1] != nx)
            e = upscale_error_set(UPSCALE_ERR_INPUT, __FILE__, __LINE__, __func__,
                                  "%s is %zu x %zu, expected %zu snapshots x %zu cells", path,
                                  dims[0], dims[1], ns, nx);
        present[q] = 1;
    }
    if (!e && present[0]) {
        fprintf(c->f,
                "    <Grid Name=\"%selectrolyte\" GridType=\"Collection\" "
                "CollectionType=\"Temporal\">\n",
                label);
        for (size_t i = 0; i < ns; i++) {
            char d2[64], dx[32];
            snprintf(d2, sizeof(d2), "1 %zu", nx);
            snprintf(dx, sizeof(dx), "%zu", nx);
            fprintf(c->f, "      <Grid Name=\"%selectrolyte_%zu\" GridType=\"Uniform\">\n", label,
                    i);
            fprintf(c->f, "        <Time Value=\"%.17g\"/>\n", t[i]);
            fprintf(c->f, "        <Topology TopologyType=\"2DRectMesh\" Dimensions=\"%s\"/>\n",
                    d2);
            fprintf(c->f, "        <Geometry GeometryType=\"VXVY\">\n");
            snprintf(p2, sizeof(p2), "%s/mesh/x", prefix);
            item_hdf(c, "          ", p2, dx);
            fprintf(c->f,
                    "          <DataItem Dimensions=\"1\" NumberType=\"Float\" Precision=\"8\" "
                    "Format=\"XML\">0</DataItem>\n");
            fprintf(c->f, "        </Geometry>\n");
            for (int q = 0; q < 4; q++) {
                if (!present[q]) continue;
                size_t full[2] = {ns, nx}, start[2] = {i, 0}, cnt[2] = {1, nx};
                snprintf(p2, sizeof(p2), "%s/fields/%s", prefix, fields[q]);
                fprintf(c->f,
                        "        <Attribute Name=\"%s\" AttributeType=\"Scalar\" "
                        "Center=\"Node\">\n",
                        fields[q]);
                item_slab(c, "          ", p2, 2, full, start, cnt, d2);
                fprintf(c->f, "        </Attribute>\n");
            }
            fprintf(c->f, "      </Grid>\n");
        }
        fprintf(c->f, "    </Grid>\n");
    }
    if (!e && cell2d) e = write_cell_particles2d(c, prefix, label, ns, t, nx, region);
    free(t);
    free(region);
    return e;
}

static upscale_err write_all(ctx *c, const char *h5_path)
{
    fprintf(c->f, "<?xml version=\"1.0\" ?>\n");
    fprintf(c->f, "<!-- upscale export-xdmf: fields of %s; data stay in the HDF5 file -->\n",
            c->h5ref);
    fprintf(c->f, "<Xdmf Version=\"3.0\">\n  <Domain>\n");
    int runs = 0;
    if (upscale_h5read_exists(c->r, "/fields/time")) {
        UPSCALE_CALL(write_run(c, "", ""));
        runs++;
    } else {
        size_t n;
        char **groups;
        UPSCALE_CALL(upscale_h5read_groups(c->r, "/", &n, &groups));
        upscale_err e = UPSCALE_OK;
        for (size_t i = 0; i < n && !e; i++) {
            char path[600], prefix[560], label[560];
            snprintf(prefix, sizeof(prefix), "/%s", groups[i]);
            snprintf(path, sizeof(path), "%s/fields/time", prefix);
            if (!upscale_h5read_exists(c->r, path)) continue;
            xml_escape(groups[i], label, sizeof(label) - 1);
            strcat(label, "/");
            e = write_run(c, prefix, label);
            runs++;
        }
        free(groups);
        UPSCALE_CALL(e);
    }
    UPSCALE_CHECK(runs > 0, UPSCALE_ERR_INPUT,
                  "%s: no fields to describe (/fields/time is missing: was the run made with "
                  "output.fields: false?)",
                  h5_path);
    fprintf(c->f, "  </Domain>\n</Xdmf>\n");
    return UPSCALE_OK;
}

upscale_err upscale_xdmf_write(const char *h5_path, const char *xdmf_path)
{
    UPSCALE_CHECK(h5_path && h5_path[0], UPSCALE_ERR_INTERNAL, "xdmf: no file name");
    char out[4096], tmp[4200];
    if (xdmf_path) {
        snprintf(out, sizeof(out), "%s", xdmf_path);
    } else {
        size_t len = strlen(h5_path);
        if (len > 3 && !strcmp(h5_path + len - 3, ".h5")) len -= 3;
        snprintf(out, sizeof(out), "%.*s.xdmf", (int)len, h5_path);
    }
    ctx c = {0};
    const char *base = strrchr(h5_path, '/');
    xml_escape(base ? base + 1 : h5_path, c.h5ref, sizeof(c.h5ref));
    UPSCALE_CALL(upscale_h5read_open(h5_path, &c.r));
    /* A derived file: a read-only one is replaced (force), a directory or device is not. */
    upscale_err checked = upscale_file_check_output(out, 1);
    if (checked) upscale_h5read_close(&c.r);
    UPSCALE_CALL(checked);
    /* a new, unique temporary (never through a link), renamed over out at the end */
    int fd = upscale_file_temporary(out, tmp, sizeof(tmp));
    c.f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!c.f) {
        int err = errno;
        if (fd >= 0) {
            close(fd);
            remove(tmp);
        }
        upscale_h5read_close(&c.r);
        UPSCALE_CHECK(0, UPSCALE_ERR_IO, "cannot create the temporary file '%s' for '%s': %s", tmp,
                      out, strerror(err));
    }
    upscale_err e = write_all(&c, h5_path);
    upscale_h5read_close(&c.r);
    if (fclose(c.f) != 0 && !e)
        e = upscale_error_set(UPSCALE_ERR_IO, __FILE__, __LINE__, __func__, "cannot write '%s': %s",
                              tmp, strerror(errno));
    if (!e && rename(tmp, out) != 0)
        e = upscale_error_set(UPSCALE_ERR_IO, __FILE__, __LINE__, __func__,
                              "cannot rename '%s' to '%s': %s", tmp, out, strerror(errno));
    if (e) remove(tmp);
    UPSCALE_CALL(e);
    return UPSCALE_OK;
}

upscale_err upscale_xdmf_write_meridional_nodes(upscale_output *o, const char *path, int nr,
                                                const double *rf, int nt, const double *thf)
{
    UPSCALE_CHECK(nr > 0 && nt > 0 && rf && thf, UPSCALE_ERR_INTERNAL,
                  "%s: a mesh of %d x %d cells", path, nr, nt);
    size_t n = (size_t)(nt + 1) * (size_t)(nr + 1);
    double *nodes = malloc(sizeof(double) * 2 * n);
    UPSCALE_ALLOC_CHECK(nodes);
    /* x = r sin theta, z = r cos theta at every (theta face k, r face i), theta-major */
    for (int k = 0; k <= nt; k++)
        for (int i = 0; i <= nr; i++) {
            nodes[2 * (k * (nr + 1) + i)] = rf[i] * sin(thf[k]);
            nodes[2 * (k * (nr + 1) + i) + 1] = rf[i] * cos(thf[k]);
        }
    const size_t dims[2] = {n, 2};
    upscale_err e = upscale_output_write(o, path, "m", 2, dims, nodes);
    free(nodes);
    UPSCALE_CALL(e);
    UPSCALE_CALL(upscale_output_attr_string(o, path, "meaning",
                                            "corners of the (r, theta) cells in the meridional "
                                            "plane, x = r sin theta, z = r cos theta; row k (nr + "
                                            "1) + i for theta face k, r face i"));
    return UPSCALE_OK;
}
