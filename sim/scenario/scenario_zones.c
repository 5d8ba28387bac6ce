/* scenario_zones: zones, slow periods and clogs of a scenario (see scenario_zones.h). */
#include "sim/scenario/scenario_zones.h"

#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

int scenario_zone_index(const struct scenario *sc, const char *name)
{
    for (size_t z = 0; name && z < sc->nzones; z++)
        if (sc->zones[z].name && !strcmp(sc->zones[z].name, name))
            return (int)z;
    return -1;
}

uint32_t *scenario_zone_map(const struct scenario *sc)
{
    if (!sc->nzones)
        return NULL;
    uint32_t *zone = xreallocarray(NULL, sc->nodes, sizeof(*zone));
    for (uint32_t i = 0; i < sc->nodes; i++)
        zone[i] = UINT32_MAX;
    for (size_t z = 0; z < sc->nzones; z++)
        for (uint32_t k = 0; k < sc->zones[z].nodes.n; k++)
            if (sc->zones[z].nodes.ids[k] < sc->nodes)
                zone[sc->zones[z].nodes.ids[k]] = (uint32_t)z;
    uint32_t next = 0;
    for (size_t z = 0; z < sc->nzones; z++)
        for (uint32_t k = 0; k < sc->zones[z].count; k++) {
            while (next < sc->nodes && zone[next] != UINT32_MAX)
                next++;
            if (next == sc->nodes)
                return zone;
            zone[next] = (uint32_t)z;
        }
    return zone;
}

bool scenario_node_selected(const struct scenario *sc, const struct node_set *s, const char *zone,
                            const uint32_t *zone_map, uint32_t node)
{
    int z = scenario_zone_index(sc, zone);
    if (z >= 0 && zone_map && zone_map[node] == (uint32_t)z)
        return true;
    return node_set_has(s, node);
}

bool node_set_has(const struct node_set *s, uint32_t node)
{
    size_t lo = 0, hi = s->n; /* ids are sorted */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->ids[mid] < node)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < s->n && s->ids[lo] == node;
}

bool scenario_has_service(const struct scenario *sc)
{
    return sc->service.ops || sc->faults.nslow;
}

static void check_zone(const struct scenario *sc, struct diag *d, const char *key, const char *name)
{
    if (name && scenario_zone_index(sc, name) < 0)
        diag_error(d, NULL, 0, 0, key, "no zone named '%s' in cluster.zones", name);
}

static void check_window(struct diag *d, const char *key, sim_time at, sim_time end)
{
    if (end != SIM_TIME_MAX && end <= at)
        diag_error(d, NULL, 0, 0, key, "must be later than `at`");
}

void zones_validate(const struct scenario *sc, struct diag *d)
{
    uint32_t *zone = scenario_zone_map(sc);
    for (uint32_t i = 0; zone && i < sc->nodes; i++)
        if (zone[i] == UINT32_MAX) {
            diag_error(d, NULL, 0, 0, "cluster.zones", "node %u is in no zone", i);
            break;
        }
    free(zone);
    for (size_t i = 0; i < sc->network.nzone_latency; i++) {
        check_zone(sc, d, "network.zone_latency.from", sc->network.zone_latency[i].from);
        check_zone(sc, d, "network.zone_latency.to", sc->network.zone_latency[i].to);
    }
    for (size_t i = 0; i < sc->faults.npartitions; i++)
        check_zone(sc, d, "faults.partitions.isolate", sc->faults.partitions[i].isolate);
    for (size_t i = 0; i < sc->faults.nzone_crashes; i++) {
        check_zone(sc, d, "faults.zone_crashes.zone", sc->faults.zone_crashes[i].zone);
        check_window(d, "faults.zone_crashes.recover", sc->faults.zone_crashes[i].at,
                     sc->faults.zone_crashes[i].recover);
    }
    if (sc->clients.enabled && sc->clients.attach == CLIENTS_ZONE && !sc->nzones)
        diag_error(d, NULL, 0, 0, "clients.attach", "attach: zone needs cluster.zones");
    if (sc->faults.zone_random.enabled && !sc->nzones)
        diag_error(d, NULL, 0, 0, "faults.zone_random", "needs cluster.zones");
    for (size_t i = 0; i < sc->faults.nslow; i++) {
        const struct slow_spec *s = &sc->faults.slow[i];
        check_zone(sc, d, "faults.slow.zone", s->zone);
        check_window(d, "faults.slow.end", s->at, s->end);
        if (!s->service.ops && !(s->factor > 0 && sc->service.ops))
            diag_error(d, NULL, 0, 0, "faults.slow",
                       "needs a service distribution, or a factor with cluster.service");
    }
    for (size_t i = 0; i < sc->faults.nclogs; i++) {
        check_zone(sc, d, "faults.clogs.from_zone", sc->faults.clogs[i].from_zone);
        check_zone(sc, d, "faults.clogs.to_zone", sc->faults.clogs[i].to_zone);
        check_window(d, "faults.clogs.end", sc->faults.clogs[i].at, sc->faults.clogs[i].end);
    }
}
