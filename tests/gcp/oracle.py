"""Checks a request against Google's API descriptions (tests/gcp/api/*.json):
the route (method and path), the query parameters (known, required present,
types, enums, patterns) and the JSON body (known properties, JSON types,
int64 as strings of digits, enum values, required properties).  Each check
that fails adds a sentence to the list returned: what Google would reject."""
import base64
import json
import os
import re

API_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "api")

# URL prefix (below the server root) -> API file, and how its paths start
APIS = [("compute/v1/", "compute-v1.json"), ("storage/v1/", "storage-v1.json"),
        ("", "logging-v2.json")]


def load():
    docs = {}
    for prefix, name in APIS:
        with open(os.path.join(API_DIR, name)) as f:
            docs[name] = json.load(f)
    return docs


def template_regex(path):
    """'projects/{project}/zones/{zone}' -> regex with named groups."""
    out, names = "", []
    for part in re.split(r"(\{[^}]+\})", path):
        if part.startswith("{"):
            name = part[1:-1].lstrip("+")
            names.append(name)
            out += "(?P<%s>[^/]+)" % re.sub(r"\W", "_", name)
        else:
            out += re.escape(part)
    return re.compile("^" + out + "$"), names


class Oracle:
    def __init__(self):
        self.docs = load()
        self.routes = []   # (http method, regex, names, doc, method id, kind)
        for prefix, name in APIS:
            doc = self.docs[name]
            for key, m in doc["methods"].items():
                mid = m.get("id") or key
                rx, names = template_regex(prefix + m["path"])
                self.routes.append((m["httpMethod"], rx, names, doc, mid, "api"))
                mu = m.get("mediaUpload", {}).get("protocols", {})
                for proto in mu.values():   # uploads: /upload/storage/v1/b/{bucket}/o
                    rx, names = template_regex(proto["path"].lstrip("/"))
                    self.routes.append((m["httpMethod"], rx, names, doc, mid, "upload"))

    def route(self, method, path):
        """(doc, method id, path params, kind) or None."""
        for hm, rx, names, doc, mid, kind in self.routes:
            mt = rx.match(path)
            if mt and hm == method:
                params = {n: mt.group(re.sub(r"\W", "_", n)) for n in names}
                return doc, mid, params, kind
        return None

    def check_request(self, method, path, query, body_bytes, content_type):
        """Returns (method id or None, problems, decoded JSON body or None)."""
        from urllib.parse import unquote
        r = self.route(method, path)
        if not r:
            return None, ["no method %s /%s in the API descriptions" % (method, path)], None
        doc, mid, pparams, kind = r
        m = next(x for k, x in doc["methods"].items() if (x.get("id") or k) == mid)
        problems = []
        for name, value in pparams.items():
            check_param(problems, mid, name, m["parameters"].get(name, {}), unquote(value))
        for name, values in query.items():
            spec = m["parameters"].get(name) or doc.get("globalParameters", {}).get(name)
            if spec is None:
                problems.append("%s: unknown query parameter %r" % (mid, name))
                continue
            if spec.get("location", "query") != "query":
                problems.append("%s: %r belongs in the path, not the query" % (mid, name))
            if len(values) > 1 and not spec.get("repeated"):
                problems.append("%s: query parameter %r given %d times" % (mid, name, len(values)))
            for v in values:
                check_param(problems, mid, name, spec, v)
        for name, spec in m["parameters"].items():
            if spec.get("required") and name not in pparams and name not in query:
                problems.append("%s: required parameter %r missing" % (mid, name))
        body = None
        if kind == "upload":
            ut = query.get("uploadType", [None])[0]
            if ut not in ("media", "resumable", "multipart"):
                problems.append("%s: upload without uploadType media/resumable/multipart" % mid)
            if ut == "resumable" and body_bytes:
                body, perr = parse_json(body_bytes)
                if perr:
                    problems.append("%s: resumable start body: %s" % (mid, perr))
                else:
                    check_value(problems, doc, mid, m["request"], {"$ref": m["request"]}, body,
                                m["request"], True)
            return mid, problems, body
        if m.get("request"):
            if not body_bytes:
                problems.append("%s: the body (%s) is missing" % (mid, m["request"]))
            else:
                if "application/json" not in (content_type or ""):
                    problems.append("%s: Content-Type %r is not application/json" % (mid, content_type))
                body, perr = parse_json(body_bytes)
                if perr:
                    problems.append("%s: body: %s" % (mid, perr))
                else:
                    check_value(problems, doc, mid, m["request"], {"$ref": m["request"]}, body,
                                m["request"], True)
        elif body_bytes:
            problems.append("%s takes no body, but one came" % mid)
        return mid, problems, body


def parse_json(b):
    try:
        return json.loads(b), None
    except ValueError as e:
        return None, "not JSON (%s)" % e


def check_param(problems, mid, name, spec, v):
    where = "%s: parameter %s=%r" % (mid, name, v)
    t = spec.get("type", "string")
    if t == "integer":
        if not re.fullmatch(r"-?\d+", v):
            problems.append(where + ": not an integer")
            return
        if "minimum" in spec and int(v) < int(spec["minimum"]):
            problems.append(where + ": below the minimum %s" % spec["minimum"])
        if "maximum" in spec and int(v) > int(spec["maximum"]):
            problems.append(where + ": above the maximum %s" % spec["maximum"])
    elif t == "boolean" and v not in ("true", "false"):
        problems.append(where + ": not true/false")
    if spec.get("format") in ("int64", "uint64") and not re.fullmatch(r"-?\d+", v):
        problems.append(where + ": not a decimal int64")
    if "enum" in spec and v not in spec["enum"]:
        problems.append(where + ": not one of %s" % spec["enum"])
    if "pattern" in spec and not re.fullmatch(spec["pattern"], v):
        problems.append(where + ": does not match %s" % spec["pattern"])


JSON_TYPES = {"string": str, "boolean": bool, "object": dict, "array": list}


def check_value(problems, doc, mid, path, spec, v, schema_name, top=False):
    if "$ref" in spec:
        schema = doc["schemas"].get(spec["$ref"])
        if schema is None:
            problems.append("%s: %s: schema %s unknown" % (mid, path, spec["$ref"]))
            return
        return check_object(problems, doc, mid, path, schema, v)
    t = spec.get("type")
    if t in ("integer", "number"):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or \
                (t == "integer" and not float(v).is_integer()):
            problems.append("%s: %s: must be a JSON %s, is %r" % (mid, path, t, v))
        return
    if t in JSON_TYPES and not isinstance(v, JSON_TYPES[t]):
        problems.append("%s: %s: must be a JSON %s, is %s" % (mid, path, t, json.dumps(v)))
        return
    if spec.get("format") in ("int64", "uint64") and not re.fullmatch(r"-?\d+", v):
        problems.append("%s: %s: int64 must be a string of digits, is %r" % (mid, path, v))
    if spec.get("format") == "byte":
        try:
            base64.b64decode(v.replace("-", "+").replace("_", "/"), validate=True)
        except ValueError:
            problems.append("%s: %s: not base64" % (mid, path))
    if "enum" in spec and v not in spec["enum"]:
        problems.append("%s: %s: %r is not one of %s" % (mid, path, v, spec["enum"]))
    if t == "array":
        for i, x in enumerate(v):
            check_value(problems, doc, mid, "%s[%d]" % (path, i), spec.get("items", {}), x, None)
    if t == "object" and "additionalProperties" in spec:
        for k, x in v.items():
            check_value(problems, doc, mid, "%s[%r]" % (path, k), spec["additionalProperties"], x, None)
    elif t == "object" and "properties" in spec:
        check_object(problems, doc, mid, path, spec, v)


def check_object(problems, doc, mid, path, schema, v):
    if not isinstance(v, dict):
        problems.append("%s: %s: must be an object, is %s" % (mid, path, json.dumps(v)))
        return
    props = schema.get("properties", {})
    for k, x in v.items():
        if k not in props:
            problems.append("%s: %s: unknown field %r" % (mid, path, k))
            continue
        check_value(problems, doc, mid, path + "." + k, props[k], x, None)
    for k, p in props.items():
        if mid in p.get("annotations", {}).get("required", []) and k not in v:
            problems.append("%s: %s: required field %r missing" % (mid, path, k))
