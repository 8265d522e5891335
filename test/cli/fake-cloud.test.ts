// The offline fake cloud answers for the database disaster-recovery resources with the ids and
// outputs the provider gives them (shapes from tencentcloudstack/terraform-provider-tencentcloud
// website/docs/r/{mysql_dr_instance,private_dns_zone,private_dns_record,
// private_dns_zone_vpc_attachment}.html.markdown and resource_tc_mysql_dr_instance_to_mater.go at
// f6970a90038400958503a0edab62c6c463baa7b0).
import { describe, expect, it } from "vitest";
import { FakeCloud } from "../../cli/offline/fake-cloud";

describe("FakeCloud: DR replica, its promotion and Private DNS", () => {
  it("gives a DR replica a cdb- id and an intranet address inside its subnet", () => {
    const cloud = new FakeCloud();
    const subnet = cloud.create("tencentcloud:index/subnet:Subnet", "db-subnet", {
      cidrBlock: "10.20.3.0/24",
    });
    const dr = cloud.create("tencentcloud:index/mysqlDrInstance:MysqlDrInstance", "tars-db-dr", {
      masterInstanceId: "cdb-master1",
      subnetId: subnet.id,
    });
    expect(dr.id).toMatch(/^cdb-[0-9a-z]{8}$/);
    expect(dr.state.intranetIp).toMatch(/^10\.20\.3\.\d+$/);
    expect(dr.state.intranetPort).toBe(3306);
    expect(dr.state.masterInstanceId).toBe("cdb-master1");
  });

  it("keys the promotion by the DR instance and the DNS resources by their zone", () => {
    const cloud = new FakeCloud();
    const promote = cloud.create(
      "tencentcloud:index/mysqlDrInstanceToMater:MysqlDrInstanceToMater",
      "promote",
      { instanceId: "cdb-dr000001" },
    );
    expect(promote.id).toBe("cdb-dr000001");
    const zone = cloud.create("tencentcloud:index/privateDnsZone:PrivateDnsZone", "zone", {
      domain: "tars.internal",
    });
    expect(zone.id).toMatch(/^zone-[0-9a-z]{8}$/);
    const record = cloud.create("tencentcloud:index/privateDnsRecord:PrivateDnsRecord", "db", {
      zoneId: zone.id,
    });
    expect(record.id).toMatch(new RegExp(`^${zone.id}#\\d+$`));
    const attachment = cloud.create(
      "tencentcloud:index/privateDnsZoneVpcAttachment:PrivateDnsZoneVpcAttachment",
      "attach",
      { zoneId: zone.id, vpcSet: { uniqVpcId: "vpc-abc", region: "ap-singapore" } },
    );
    expect(attachment.id).toBe(`${zone.id}#vpc-abc`);
  });
});
