#!/usr/bin/env python3
"""Checks the TF_CONFIG a TFJob replica was given, as TensorFlow's MultiWorkerMirroredStrategy reads it:
the cluster lists every replica type, this task is in it, and its own address is free to bind. Every
replica then reaches every other one over TCP (a stand-in for TensorFlow's gRPC), so a wrong address
or port fails the job. Where TensorFlow is installed it also resolves the cluster with TensorFlow's
own TFConfigClusterResolver. Standard library otherwise (TensorFlow is not in Debian)."""
import json
import os
import socket
import sys
import threading
import time

config = json.loads(os.environ["TF_CONFIG"])
cluster, task = config["cluster"], config["task"]
assert config.get("environment") == "cloud", config
assert task["type"] in cluster and 0 <= task["index"] < len(cluster[task["type"]]), (task, cluster)
me = cluster[task["type"]][task["index"]]
host, port = me.rsplit(":", 1)
peers = [addr for addrs in cluster.values() for addr in addrs if addr != me]

# Listen on our own address until every peer has said hello, while saying hello to every peer.
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind((host, int(port)))
server.listen(len(peers))
heard = []


def accept():
    server.settimeout(30)
    while len(heard) < len(peers):
        conn, _ = server.accept()
        heard.append(conn.recv(64).decode())
        conn.close()


listener = threading.Thread(target=accept)
listener.start()
for addr in peers:
    h, p = addr.rsplit(":", 1)
    for _ in range(300):
        try:
            with socket.create_connection((h, int(p)), timeout=1) as c:
                c.sendall(f"{task['type']}-{task['index']}".encode())
            break
        except OSError:
            time.sleep(0.05)
    else:
        sys.exit(f"cannot reach {addr}")
listener.join()

try:
    import tensorflow as tf  # only where TensorFlow is installed

    resolver = tf.distribute.cluster_resolver.TFConfigClusterResolver()
    print(f"tensorflow resolver: task {resolver.task_type}/{resolver.task_id}, {resolver.cluster_spec().as_dict()}", flush=True)
except ImportError:
    pass
print(f"{task['type']}-{task['index']}: TF_CONFIG consistent, heard from {sorted(heard)}", flush=True)
