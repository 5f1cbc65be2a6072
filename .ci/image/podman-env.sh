# Sourced by .ci/image/run: podman's whole configuration and storage under $W (the target
# dir), none of it in /etc: storage driver vfs (no overlay or fuse needed), runtime runc,
# containers.conf with default_ulimits = [] (the machine's limits cannot be raised in a
# container), no registry to search.
mkdir -p "$W/podman/tmp" "$W/podman/run" "$W/podman/storage"
cat >"$W/podman/containers.conf" <<CONF
[containers]
default_ulimits = []
log_driver = "k8s-file"

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$W/podman/events.log"
tmp_dir = "$W/podman/tmp"
static_dir = "$W/podman/storage/libpod"
volume_path = "$W/podman/storage/volumes"
image_copy_tmp_dir = "$W/podman/tmp"

[network]
network_config_dir = "$W/podman/networks"
CONF
cat >"$W/podman/storage.conf" <<CONF
[storage]
driver = "vfs"
graphroot = "$W/podman/storage"
runroot = "$W/podman/run"
CONF
cat >"$W/podman/registries.conf" <<CONF
unqualified-search-registries = []
short-name-mode = "disabled"
CONF
export CONTAINERS_CONF="$W/podman/containers.conf"
export CONTAINERS_STORAGE_CONF="$W/podman/storage.conf"
export CONTAINERS_REGISTRIES_CONF="$W/podman/registries.conf"
export TMPDIR="$W/podman/tmp"
