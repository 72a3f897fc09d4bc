"""The version of the public API, in every path of it; set here and nowhere else.

Each area's router starts its own prefix with it instead of being included under
a parent router: FastAPI includes routers lazily, and a route then knows only its
own router's part of the path, while the metrics and the audit log label every
request by the route's whole template (`/api/v1/tasks/{code}`)."""
PREFIX = "/api/v1"
