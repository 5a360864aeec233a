# Test support: what cloud-init's own NoCloud data source (Debian's cloud-init, its
# Python module `cloudinit`) reads from one ISO image. Usage: python3 THIS IMAGE.iso
# Prints JSON: {found, seed, metadata, userdata_b64, vendordata_b64, network_config,
# instance_id, userdata_parts}.
#
# DataSourceNoCloud.get_data runs unchanged, with two seams replaced:
# - util.find_devs_with: cloud-init's own blkid queries (TYPE=iso9660, LABEL=cidata,
#   LABEL=CIDATA, ...) are asked of the image file instead of every block device, so the
#   device is found (or not) by the real blkid on the real label;
# - util.mount_cb: a loop mount is impossible in this container (`mount -o loop` fails:
#   "unknown filesystem type 'iso9660'", no isofs kernel module), so the image is
#   extracted with xorriso (Rock Ridge names, as Linux shows them) into a temporary
#   directory and cloud-init's callback (util.pathprefix2dict) reads that directory just as
#   it would read the mount point.
import base64
import json
import os
import subprocess
import sys
import tempfile

from cloudinit import helpers, util
from cloudinit.sources import DataSourceNoCloud

image = os.path.abspath(sys.argv[1])
real_find_devs_with = util.find_devs_with


def find_devs_with(criteria=None, oformat="device", tag=None, no_cache=False, path=None):
    return real_find_devs_with(criteria, oformat, tag, True, image)


def mount_cb(device, callback, data=None, mtype=None, update_env_for_mount=None):
    with tempfile.TemporaryDirectory() as mountpoint:
        subprocess.run(
            ["xorriso", "-indev", device, "-osirrox", "on", "-extract", "/", mountpoint],
            check=True,
            capture_output=True,
        )
        return callback(mountpoint, data) if data is not None else callback(mountpoint)


util.find_devs_with = find_devs_with
util.mount_cb = mount_cb


def b64(raw):
    if raw is None:
        return None
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    return base64.b64encode(raw).decode("ascii")


with tempfile.TemporaryDirectory() as cloud_dir:
    paths = helpers.Paths(
        {"cloud_dir": cloud_dir, "run_dir": os.path.join(cloud_dir, "run")}
    )
    os.makedirs(paths.run_dir)
    source = DataSourceNoCloud.DataSourceNoCloud(sys_cfg={}, distro=None, paths=paths)
    found = source.get_data()
    result = {"found": bool(found)}
    if found:
        parts = [
            part.get_content_type()
            for part in source.get_userdata().walk()
            if not part.is_multipart()
        ]
        result.update(
            {
                "seed": source.seed,
                "metadata": source.metadata,
                "userdata_b64": b64(source.userdata_raw),
                "vendordata_b64": b64(source.vendordata_raw),
                "network_config": source.network_config,
                "instance_id": source.get_instance_id(),
                "userdata_parts": parts,
            }
        )
    json.dump(result, sys.stdout)
