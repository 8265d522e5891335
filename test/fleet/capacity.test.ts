import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  capacityReport,
  capacityRefusal,
  checkFits,
  clusterCapacities,
  clusterDemands,
  fleetAfterRegionLoss,
  frameworkDemand,
  growthNeeded,
  regionLoss,
  serverPodSize,
  servicesDemand,
  shortfallsAfter,
  totalDemand,
} from "../../fleet/operations/capacity";
import { regionalServicesIn } from "../../fleet/tars/framework";
import { type ClusterSpec, type FleetSpec, type SetSpec } from "../../fleet/model/model";
import { applyFailover } from "../../fleet/operations/operations";
import { demoText, fleetOf, replaceOnce, tightText } from "./fleet-copies";

const demo = fleetOf(demoText).spec;
const tight = fleetOf(tightText).spec;

const BASE_SERVICES_NOTE =
  "its tarsconfig, tarslog, tarsstat and tarsproperty go with it: the Sets that move use those of the region they move to";

describe("capacity of the demo fleet", () => {
  it("adds up gz1 by hand: Set pods, framework, and ten SA5.2XLARGE16 nodes", () => {
    // Set app.gz.1 in gz1: HelloServer 3 × (500m, 512Mi), OrderServer 2 × (1, 1Gi),
    // CartServer 2 × (250m, 256Mi) = 4000m, 4096Mi.
    // Framework (gz1 is the home region's first cluster and guangzhou's services cluster):
    // registry 2 × (500m+250m, 512Mi+256Mi) = 1500m, 1536Mi;
    // guangzhou's base services: tarsconfig 2 × (250m, 256Mi), tarslog 1 × (250m+50m, 512Mi+64Mi)
    // with its retention container, tarsstat 2 × (500m, 768Mi), tarsproperty 2 × (500m, 1024Mi)
    // = 2800m, 4672Mi;
    // tarsweb 1 × (500m, 1Gi); tarsnotify 2 × (250m, 256Mi), tarsquerystat and tarsqueryproperty
    // 2 × (250m, 512Mi) each, and for the CVM pools tarsAdminRegistry (250m, 256Mi) and tarspatch
    // (250m, 512Mi) = 2500m, 4352Mi;
    // together 6800m, 10560Mi.
    // SA5.2XLARGE16 (8 vCPU, 16 GiB) allocatable on TKE: 8000m − 100m − 2.5% × 4 cores = 7800m;
    // 16384Mi − (25% × 4Gi + 20% × 4Gi + 10% × 8Gi = 2662.4Mi) − 100Mi eviction = 13621Mi.
    const gz1 = clusterCapacities(demo).find((c) => c.cluster === "gz1");
    expect(gz1).toEqual({
      cluster: "gz1",
      region: "guangzhou",
      demand: { cpuMilli: 10800, memoryMiB: 14656 },
      breakdown: {
        active: { cpuMilli: 4000, memoryMiB: 4096 },
        warmStandby: { cpuMilli: 0, memoryMiB: 0 },
        framework: { cpuMilli: 6800, memoryMiB: 10560 },
      },
      capacity: { cpuMilli: 78000, memoryMiB: 136210 },
      capacityNow: { cpuMilli: 23400, memoryMiB: 40863 },
      headroom: { cpuMilli: 67200, memoryMiB: 121554 },
      fits: true,
    });
  });

  it("counts app.gz.1's warm copies in sh1, one pod per server", () => {
    const sh1 = clusterDemands(demo).get("sh1");
    expect(sh1?.warmStandby).toEqual({ cpuMilli: 500 + 1000 + 250, memoryMiB: 512 + 1024 + 256 });
    // The registry, and shanghai's base services: sh1 is the region's only cluster.
    expect(sh1?.framework).toEqual({ cpuMilli: 1500 + 2800, memoryMiB: 1536 + 4672 });
  });

  it("lists every cluster's totals", () => {
    expect(
      clusterCapacities(demo).map((c) => [c.cluster, c.demand.cpuMilli, c.demand.memoryMiB]),
    ).toEqual([
      ["gz1", 10800, 14656],
      ["gz2", 4000, 4096],
      ["sh1", 9050, 11072],
      ["bj1", 5800, 7744],
    ]);
    expect(checkFits(demo)).toEqual([]);
  });

  it("survives losing any one region, the home region by its database standby in shanghai", () => {
    expect(capacityReport(demo).regions).toEqual([
      {
        region: "guangzhou",
        survivable: true,
        movedSets: ["app.gz.1", "app.gz.2"],
        lostSets: [],
        shortfalls: [],
        blockers: [],
        notes: [
          "home region: the framework database fails over to its replica in shanghai " +
            "(tarsfed failover --region guangzhou; writes not yet replicated are lost), and " +
            "tarsweb, tarsquerystat and tarsqueryproperty scale up in sh1; tarsnotify, " +
            "tarsAdminRegistry and tarspatch do not fail over",
          BASE_SERVICES_NOTE,
        ],
      },
      {
        region: "shanghai",
        survivable: true,
        movedSets: ["app.sh.1"],
        lostSets: [],
        shortfalls: [],
        blockers: [],
        notes: [BASE_SERVICES_NOTE],
      },
      {
        region: "beijing",
        survivable: true,
        movedSets: ["app.bj.1"],
        lostSets: [],
        shortfalls: [],
        blockers: [],
        notes: [BASE_SERVICES_NOTE],
      },
    ]);
  });

  it("does not survive losing the home region without a database standby, saying why", () => {
    const noStandby = fleetOf(replaceOnce(demoText, ", standbyRegion: shanghai", "")).spec;
    expect(regionLoss(noStandby, "guangzhou")).toEqual({
      region: "guangzhou",
      survivable: false,
      movedSets: ["app.gz.1", "app.gz.2"],
      lostSets: [],
      shortfalls: [],
      blockers: [
        "home region: the framework database has no standby (tars.db.standbyRegion); losing " +
          "it stops every registration in every region, and tarsweb with it",
      ],
      notes: [
        "home region: the framework database, tarsweb, tarsnotify, tarsquerystat, " +
          "tarsqueryproperty, tarsAdminRegistry and tarspatch do not fail over",
        BASE_SERVICES_NOTE,
      ],
    });
    expect(regionLoss(noStandby, "shanghai").survivable).toBe(true);
    const inCluster = fleetOf(
      replaceOnce(
        demoText,
        'db: { mode: tencentdb, engineVersion: "5.7", memoryMb: 4000, standbyRegion: shanghai }',
        "db: { mode: in-cluster }",
      ),
    ).spec;
    expect(regionLoss(inCluster, "guangzhou")).toMatchObject({
      survivable: false,
      blockers: [
        "home region: the in-cluster framework database can have no standby (only " +
          "tars.db.mode tencentdb can, with tars.db.standbyRegion); losing it stops every " +
          "registration in every region, and tarsweb with it",
      ],
    });
  });

  it("counts the standby web in sh1 at 0 replicas, at full replicas once shanghai serves", () => {
    const serving = fleetOf(
      replaceOnce(
        demoText,
        "standbyRegion: shanghai",
        "standbyRegion: shanghai, servingRegion: shanghai",
      ),
    ).spec;
    // tarsweb 1 × (500m, 1Gi), tarsquerystat and tarsqueryproperty 2 × (250m, 512Mi) each.
    const web = { cpuMilli: 500 + 2 * 2 * 250, memoryMiB: 1024 + 2 * 2 * 512 };
    expect(frameworkDemand(demo, "sh1")).toEqual({ cpuMilli: 1500 + 2800, memoryMiB: 1536 + 4672 });
    expect(frameworkDemand(serving, "sh1")).toEqual({
      cpuMilli: 1500 + 2800 + web.cpuMilli,
      memoryMiB: 1536 + 4672 + web.memoryMiB,
    });
    // Losing guangzhou counts them in sh1 whichever region serves now.
    const loss = clusterCapacities(
      fleetAfterRegionLoss(demo, "guangzhou", ["app.gz.1", "app.gz.2"]),
    );
    expect(loss.find((c) => c.cluster === "sh1")?.breakdown.framework).toEqual(
      frameworkDemand(serving, "sh1"),
    );
    expect(frameworkDemand(serving, "gz1")).toEqual(frameworkDemand(demo, "gz1"));
  });

  it("counts each region's base services once, in its services cluster, every container included", () => {
    // guangzhou's run in gz1 (gz2 is GR and second); gz2 has its registry alone.
    expect(frameworkDemand(demo, "gz2")).toEqual({ cpuMilli: 1500, memoryMiB: 1536 });
    expect(servicesDemand(regionalServicesIn(demo, "gz1"))).toEqual({
      cpuMilli: 2 * 250 + (250 + 50) + 2 * 500 + 2 * 500,
      memoryMiB: 2 * 256 + (512 + 64) + 2 * 768 + 2 * 1024,
    });
    expect(regionalServicesIn(demo, "gz2")).toEqual([]);
    expect(frameworkDemand(demo, "bj1")).toEqual({ cpuMilli: 1500 + 2800, memoryMiB: 1536 + 4672 });
  });

  it("counts the base services in a surviving cluster: one region's loss does not move them", () => {
    const after = applyFailover(demo, ["app.gz.1", "app.gz.2"]);
    expect(clusterDemands(after).get("sh1")?.framework).toEqual(
      clusterDemands(demo).get("sh1")?.framework,
    );
  });

  it("counts an in-cluster database in the home cluster", () => {
    const inCluster = fleetOf(
      replaceOnce(
        demoText,
        'db: { mode: tencentdb, engineVersion: "5.7", memoryMb: 4000, standbyRegion: shanghai }',
        "db: { mode: in-cluster }",
      ),
    ).spec;
    expect(clusterDemands(inCluster).get("gz1")?.framework).toEqual({
      cpuMilli: 6800 + 1000,
      memoryMiB: 10560 + 2048,
    });
    expect(clusterDemands(inCluster).get("gz2")?.framework).toEqual({
      cpuMilli: 1500,
      memoryMiB: 1536,
    });
  });
});

describe("capacity of a fleet whose standby is too small", () => {
  it("fails losing guangzhou: sh1 would be 3.1 CPU short", () => {
    // app.gz.1's active pods (4 CPU) replace its warm copies (1.75 CPU), and the standby web
    // scales up (tarsweb 0.5, the query services 2 × 2 × 0.25): 9.05 + 2.25 + 1.5 = 12.8 of 9.7.
    expect(regionLoss(tight, "guangzhou")).toMatchObject({
      survivable: false,
      lostSets: [],
      shortfalls: [{ cluster: "sh1", cpuMilli: 3100, memoryMiB: 0 }],
      blockers: [],
    });
    // app.bj.1 adds 1.5 CPU to sh1's 9.05: 10.55 of 9.7.
    expect(regionLoss(tight, "beijing")).toMatchObject({
      survivable: false,
      shortfalls: [{ cluster: "sh1", cpuMilli: 850, memoryMiB: 0 }],
    });
  });

  it("reports the shortfall an operation causes, with demand and capacity", () => {
    const after = applyFailover(tight, ["app.gz.1"]);
    const shortfalls = shortfallsAfter(tight, after);
    expect(shortfalls).toEqual([{ cluster: "sh1", cpuMilli: 1600, memoryMiB: 0 }]);
    expect(capacityRefusal(after, shortfalls, "failing over app.gz.1")).toBe(
      "refused: cluster sh1 would be short of 1.6 CPU after failing over app.gz.1 " +
        "(demand 11.3 CPU / 13.1Gi, capacity at node-pool max 9.7 CPU / 16.2Gi); " +
        "scale sh1's node pools first or pass --force",
    );
  });

  it("does not blame an operation for a cluster that was already short and got no worse", () => {
    const over = applyFailover(tight, ["app.gz.1"]);
    expect(shortfallsAfter(over, applyFailover(over, ["app.bj.1"]))).toEqual([
      { cluster: "sh1", cpuMilli: 3100, memoryMiB: 0 },
    ]);
    expect(shortfallsAfter(over, applyFailover(over, ["app.gz.2"]))).toEqual([]);
  });

  it("says when a cluster must grow past its desired size", () => {
    const bigger = applyFailover(demo, ["app.gz.1"]);
    expect(growthNeeded(demo, bigger)).toEqual([]);
    const scaled = {
      ...demo,
      servers: demo.servers.map((s) => ({
        ...s,
        replicas: s.replicas.map((r) => ({ ...r, count: r.set === "app.gz.1" ? 30 : r.count })),
      })),
    };
    expect(growthNeeded(demo, scaled)).toEqual([
      "cluster gz1 needs more nodes than it runs now (demand 59.3 CPU / 62.8Gi, capacity at " +
        "desiredSize 23.4 CPU / 39.9Gi); the autoscaler adds them, or pre-scale with " +
        "tarsfed scale pool gz1 <pool> --desired <n>",
    ]);
  });
});

describe("a region whose Sets cannot leave", () => {
  it("lists Sets without a standby, or with a standby in the same region, as lost", () => {
    const fleet: FleetSpec = {
      ...demo,
      sets: demo.sets.map((s): SetSpec => {
        if (s.id === "app.gz.1") return { ...s, standby: "gz2", warmStandby: false };
        if (s.id === "app.gz.2")
          return { id: s.id, cluster: "gz2", warmStandby: false, failedOver: false };
        return s;
      }),
    };
    expect(regionLoss(fleet, "guangzhou")).toMatchObject({
      survivable: false,
      movedSets: [],
      lostSets: ["app.gz.1", "app.gz.2"],
    });
  });
});

// ---- properties over small generated fleets ----

const INSTANCE_TYPES = ["S5.LARGE8", "SA5.2XLARGE16", "M5.2XLARGE32"] as const;

const arbCluster = (region: string, name: string): fc.Arbitrary<ClusterSpec> =>
  fc
    .record({
      instanceType: fc.constantFrom(...INSTANCE_TYPES),
      maxSize: fc.integer({ min: 1, max: 6 }),
      desiredFraction: fc.double({ min: 0, max: 1, noNaN: true }),
    })
    .map(({ instanceType, maxSize, desiredFraction }) => ({
      name,
      region,
      kubernetesVersion: "1.30.0",
      networkType: "VPC-CNI",
      serviceCidr: "172.20.0.0/20",
      nodePools: [
        {
          name: "general",
          instanceType,
          minSize: 0,
          maxSize,
          desiredSize: Math.floor(desiredFraction * maxSize),
          systemDiskSizeGiB: 100,
          nodeOs: "tlinux3.1x86_64",
        },
      ],
    }));

/** Fleets of 1–3 regions with 1–2 clusters each, 1–4 Sets and 1–3 servers. */
const arbFleet: fc.Arbitrary<FleetSpec> = fc
  .array(fc.integer({ min: 1, max: 2 }), { minLength: 1, maxLength: 3 })
  .chain((clustersPerRegion) => {
    const regions = clustersPerRegion.map((n, r) => ({
      name: `r${r}`,
      clusters: Array.from({ length: n }, (_, c) => `r${r}c${c}`),
    }));
    const names = regions.flatMap((r) => r.clusters);
    const arbSet = (id: string): fc.Arbitrary<SetSpec> =>
      fc
        .record({
          cluster: fc.constantFrom(...names),
          standby: fc.option(fc.constantFrom(...names), { nil: undefined }),
          warmStandby: fc.boolean(),
          failedOver: fc.boolean(),
        })
        .map(({ cluster, standby, warmStandby, failedOver }) =>
          standby === undefined || standby === cluster
            ? { id, cluster, warmStandby: false, failedOver: false }
            : { id, cluster, standby, warmStandby, failedOver },
        );
    return fc.record({
      regions: fc.tuple(
        ...regions.map((r) =>
          fc.tuple(...r.clusters.map((c) => arbCluster(r.name, c))).map((clusters) => ({
            name: r.name,
            tencentRegion: `ap-${r.name}`,
            vpcCidr: "10.0.0.0/16",
            network: "created" as const,
            zones: [`ap-${r.name}-1`],
            clusters,
            cvmPools: [],
          })),
        ),
      ),
      sets: fc
        .integer({ min: 1, max: 4 })
        .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => arbSet(`app.s.${i}`)))),
      serverShapes: fc.array(
        fc.record({
          cpu: fc.constantFrom("250m", "500m", "1", "2"),
          memory: fc.constantFrom("256Mi", "512Mi", "1Gi"),
          counts: fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 4, maxLength: 4 }),
        }),
        { minLength: 1, maxLength: 3 },
      ),
    });
  })
  .map(({ regions, sets, serverShapes }) => ({
    ...demo,
    homeRegion: "r0",
    regions,
    sets,
    servers: serverShapes.map((s, i) => ({
      ...demo.servers[0],
      id: `App.S${i}`,
      server: `S${i}`,
      resources: { cpu: s.cpu, memory: s.memory },
      replicas: sets
        .map((set, j) => ({ set: set.id, count: s.counts[j] }))
        .filter((r) => r.count > 0),
    })),
  }));

const sum = (fleet: FleetSpec, part: "active" | "warmStandby" | "total") =>
  [...clusterDemands(fleet).values()].reduce((total, d) => {
    const r = part === "total" ? totalDemand(d) : d[part];
    return total + r.cpuMilli;
  }, 0);

/** CPU of one warm copy of a Set: one pod of every server with replicas there. */
const warmCopyCpu = (fleet: FleetSpec, set: SetSpec) =>
  fleet.servers
    .filter((s) => s.replicas.some((r) => r.set === set.id))
    .reduce((total, s) => total + serverPodSize(s).cpuMilli, 0);

describe("capacity properties", () => {
  it("never has negative demand, and headroom is capacity minus demand", () => {
    fc.assert(
      fc.property(arbFleet, (fleet) => {
        for (const c of clusterCapacities(fleet)) {
          const { active, warmStandby, framework } = c.breakdown;
          for (const part of [active, warmStandby, framework]) {
            expect(part.cpuMilli).toBeGreaterThanOrEqual(0);
            expect(part.memoryMiB).toBeGreaterThanOrEqual(0);
          }
          expect(c.headroom.cpuMilli).toBe(c.capacity.cpuMilli - c.demand.cpuMilli);
          expect(c.fits).toBe(c.headroom.cpuMilli >= 0 && c.headroom.memoryMiB >= 0);
        }
      }),
    );
  });

  it("moving Sets conserves active demand; only the warm copies that merge disappear", () => {
    fc.assert(
      fc.property(arbFleet, fc.array(fc.nat(3)), (fleet, picks) => {
        const moving = fleet.sets.filter((s, i) => picks.includes(i) && s.standby !== undefined);
        const after = applyFailover(
          fleet,
          moving.map((s) => s.id),
        );
        expect(sum(after, "active")).toBe(sum(fleet, "active"));
        const warmDelta = moving
          .filter((s) => s.warmStandby)
          .reduce((d, s) => d + (s.failedOver ? 1 : -1) * warmCopyCpu(fleet, s), 0);
        expect(sum(after, "warmStandby")).toBe(sum(fleet, "warmStandby") + warmDelta);
        expect(
          applyFailover(
            after,
            moving.map((s) => s.id),
          ),
        ).toEqual(fleet);
      }),
    );
  });

  it("calls a region loss survivable only when no Set is lost, every other cluster fits and the database has a standby", () => {
    fc.assert(
      fc.property(arbFleet, (fleet) => {
        for (const region of fleet.regions) {
          const verdict = regionLoss(fleet, region.name);
          const others = clusterCapacities(applyFailover(fleet, verdict.movedSets)).filter(
            (c) => c.region !== region.name,
          );
          // The generated fleets' regions hold no database standby.
          const home = region.name === fleet.homeRegion;
          expect(verdict.blockers.length > 0).toBe(home);
          expect(verdict.survivable).toBe(
            !home && verdict.lostSets.length === 0 && others.every((c) => c.fits),
          );
          expect(verdict.shortfalls.map((s) => s.cluster)).toEqual(
            others.filter((c) => !c.fits).map((c) => c.cluster),
          );
        }
      }),
    );
  });
});
