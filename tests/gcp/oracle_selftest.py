#!/usr/bin/env python3
"""The validator must catch what Google would reject (else the server's
silence proves nothing): a good request passes, and each broken variant
is flagged.  Prints TAP lines."""
import copy
import json
import sys

sys.path.insert(0, __import__("os").path.dirname(__file__))
import oracle  # noqa: E402

O = oracle.Oracle()
INSTANCES = "compute/v1/projects/test-project/zones/us-central1-a/instances"
GOOD = {"name": "lug-1", "machineType": "zones/us-central1-a/machineTypes/n2d-standard-2",
        "disks": [{"boot": True, "interface": "NVME", "type": "PERSISTENT",
                   "initializeParams": {"sourceImage": "projects/p/global/images/lug",
                                        "diskSizeGb": "10"}}],
        "networkInterfaces": [{"nicType": "GVNIC",
                               "accessConfigs": [{"type": "ONE_TO_ONE_NAT"}]}],
        "confidentialInstanceConfig": {"confidentialInstanceType": "SEV"},
        "scheduling": {"onHostMaintenance": "TERMINATE"}, "labels": {"createdby": "cloak"}}
failed = 0


def check(desc, method, path, query, body, want_problem):
    global failed
    raw = json.dumps(body).encode() if body is not None else b""
    mid, problems, _ = O.check_request(method, path, query, raw, "application/json")
    good = bool(problems) == want_problem
    print("%s - validator: %s" % ("ok" if good else "not ok", desc))
    if not good:
        failed += 1
        print("# problems: %r" % problems)


def broken(change):
    b = copy.deepcopy(GOOD)
    change(b)
    return b


check("a valid instances.insert passes", "POST", INSTANCES, {}, GOOD, False)
check("int64 as a JSON number is caught", "POST", INSTANCES, {},
      broken(lambda b: b["disks"][0]["initializeParams"].update(diskSizeGb=10)), True)
check("an unknown field is caught", "POST", INSTANCES, {},
      broken(lambda b: b.update(confidential=True)), True)
check("a bad enum value is caught", "POST", INSTANCES, {},
      broken(lambda b: b["confidentialInstanceConfig"].update(confidentialInstanceType="SEV_ES")),
      True)
check("a wrong JSON type is caught", "POST", INSTANCES, {},
      broken(lambda b: b["disks"][0].update(boot="true")), True)
check("a missing required field (Instance.name) is caught", "POST", INSTANCES, {},
      broken(lambda b: b.pop("name")), True)
check("an unknown query parameter is caught", "GET", INSTANCES, {"zone2": ["x"]}, None, True)
check("a missing required query parameter is caught", "POST", "storage/v1/b", {},
      {"name": "bucket"}, True)
check("a path that is no method is caught", "POST", INSTANCES + "/lug-1/explode", {}, None, True)
check("a wrong method is caught", "PUT", INSTANCES, {}, GOOD, True)
check("a serial port out of range is caught", "GET", INSTANCES + "/lug-1/serialPort",
      {"port": ["5"]}, None, True)
check("a non-integer start is caught", "GET", INSTANCES + "/lug-1/serialPort",
      {"start": ["ten"]}, None, True)
check("an image name against the pattern is caught", "GET",
      "compute/v1/projects/test-project/global/images/Bad_Name", {}, None, True)
check("a body where none belongs is caught", "DELETE", INSTANCES + "/lug-1", {}, GOOD, True)
sys.exit(1 if failed else 0)
