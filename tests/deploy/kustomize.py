"""Just enough kustomize to render deploy/k8s in tests, with no kustomize binary.

`render(folder)` answers the list of resources (dicts) that `kubectl kustomize
folder` would print, for the kustomization fields deploy/k8s uses:

- `resources`: YAML files (several documents each) or folders holding their own
  kustomization.yaml, rendered first;
- `patches`: entries with a `path` only, each file one strategic-merge patch that
  names its target by `kind` and `metadata.name` (and `metadata.namespace`, when
  given), or deletes it with a top-level `$patch: delete`;
- `namespace`: set on every namespaced resource;
- `images`: `name` with `newName` and/or `newTag`, applied to container images.

Anything else in a kustomization raises KustomizeError: a field this renderer
ignored would make the tests pass on manifests that kustomize renders differently.
"""
import copy
from pathlib import Path

import yaml

FIELDS = {"apiVersion", "kind", "resources", "namespace", "images", "patches"}
# Lists that a strategic merge patch merges item by item (by this key) instead of
# replacing, for the lists the overlays may patch. Other lists are replaced whole,
# as kustomize does for lists without a merge key (Ingress rules, CRD fields).
MERGE_KEYS = {"containers": "name", "initContainers": "name", "env": "name", "volumes": "name"}
# Lists with a merge key that this renderer does not implement: patching them fails.
UNMERGED = {"volumeMounts", "ports", "envFrom", "tolerations", "imagePullSecrets"}
CLUSTER_SCOPED = {
    "Namespace", "PersistentVolume", "StorageClass", "ClusterRole", "ClusterRoleBinding",
    "CustomResourceDefinition", "PriorityClass", "IngressClass",
}


class KustomizeError(Exception):
    """The folder uses something this renderer does not support, or is inconsistent."""


def load_documents(path):
    """Every non-empty YAML document in the file at `path`."""
    with open(path, encoding="utf-8") as stream:
        return [document for document in yaml.safe_load_all(stream) if document is not None]


def resource_id(resource):
    metadata = resource.get("metadata") or {}
    return resource.get("kind"), metadata.get("namespace"), metadata.get("name")


def render(folder):
    folder = Path(folder)
    documents = load_documents(folder / "kustomization.yaml")
    if len(documents) != 1:
        raise KustomizeError(f"{folder}/kustomization.yaml must hold one document")
    kustomization = documents[0]
    unsupported = set(kustomization) - FIELDS
    if unsupported:
        raise KustomizeError(f"{folder}: unsupported kustomization fields {sorted(unsupported)}")

    resources = []
    for entry in kustomization.get("resources", []):
        path = folder / entry
        resources.extend(render(path) if path.is_dir() else load_documents(path))
    for entry in kustomization.get("patches", []):
        if set(entry) != {"path"}:
            raise KustomizeError(f"{folder}: only `patches: - path: FILE` is supported: {entry}")
        patches = load_documents(folder / entry["path"])
        if len(patches) != 1:
            raise KustomizeError(f"{folder}/{entry['path']} must hold exactly one patch")
        resources = apply_patch(resources, patches[0], f"{folder}/{entry['path']}")
    if "namespace" in kustomization:
        for resource in resources:
            if resource["kind"] not in CLUSTER_SCOPED:
                resource.setdefault("metadata", {})["namespace"] = kustomization["namespace"]
    for image in kustomization.get("images", []):
        set_image(resources, image)

    seen = set()
    for resource in resources:
        if resource_id(resource) in seen:
            raise KustomizeError(f"{folder}: two resources are {resource_id(resource)}")
        seen.add(resource_id(resource))
    return resources


def apply_patch(resources, patch, where):
    kind, namespace, name = resource_id(patch)
    matches = [
        index for index, resource in enumerate(resources)
        if resource.get("kind") == kind and resource["metadata"].get("name") == name
        and (namespace is None or resource["metadata"].get("namespace") == namespace)
    ]
    if len(matches) != 1:
        raise KustomizeError(f"{where}: the patch matches {len(matches)} resources, not one")
    (index,) = matches
    if patch.get("$patch") == "delete":
        return resources[:index] + resources[index + 1:]
    patched = list(resources)
    patched[index] = merge(resources[index], patch, where)
    return patched


def merge(base, patch, where, key=None):
    """`patch` merged into `base` by strategic-merge rules (a null value deletes)."""
    if isinstance(base, dict) and isinstance(patch, dict):
        merged = copy.deepcopy(base)
        for field, value in patch.items():
            if field.startswith("$"):
                raise KustomizeError(f"{where}: directive {field} is only supported at the top")
            if value is None:
                merged.pop(field, None)
            elif field in merged:
                merged[field] = merge(merged[field], value, where, field)
            else:
                merged[field] = copy.deepcopy(value)
        return merged
    if isinstance(base, list) and isinstance(patch, list):
        if key in UNMERGED:
            raise KustomizeError(f"{where}: patching `{key}` is not supported here")
        if key in MERGE_KEYS:
            return merge_by_key(base, patch, MERGE_KEYS[key], where)
    return copy.deepcopy(patch)


def merge_by_key(base, patch, merge_key, where):
    merged = copy.deepcopy(base)
    positions = {item[merge_key]: index for index, item in enumerate(merged)}
    for item in patch:
        if item[merge_key] in positions:
            index = positions[item[merge_key]]
            merged[index] = merge(merged[index], item, where)
        else:
            merged.append(copy.deepcopy(item))
    return merged


def split_image(image):
    """("registry/name", "tag" or None) of an image reference without a digest."""
    name, _, tag = image.rpartition(":")
    if not name or "/" in tag:  # no tag; the colon belonged to a registry port
        return image, None
    return name, tag


def set_image(resources, rule):
    unsupported = set(rule) - {"name", "newName", "newTag"}
    if unsupported or "name" not in rule:
        raise KustomizeError(f"unsupported images entry {rule}")
    for container in containers_of(resources):
        image = container.get("image", "")
        if "@" in image:
            continue
        name, tag = split_image(image)
        if name != rule["name"]:
            continue
        name = rule.get("newName", name)
        if rule.get("newTag") is not None:
            tag = str(rule["newTag"])
        container["image"] = f"{name}:{tag}" if tag else name


def containers_of(resources):
    """Every container (and init container) dict in `resources`, wherever it sits."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            for field, value in node.items():
                if field in ("containers", "initContainers") and isinstance(value, list):
                    found.extend(item for item in value if isinstance(item, dict))
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(resources)
    return found
