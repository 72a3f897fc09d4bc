"""The bench tier: the city generator (pure, counted at full scale) and one tiny
`python -m bench` run end to end as `make bench` starts it: real RabbitMQ (a
vhost of its own, via rabbitmqctl), real SQLite files, real processes, local
SMS and SMTP peers. Nothing is faked; nothing is timed — only the shape of the
results is checked."""
