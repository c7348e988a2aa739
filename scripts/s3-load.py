#!/usr/bin/env python3
"""Copies a filesystem registry store into an S3 bucket, one PutObject per file, many at once.

    s3-load.py --endpoint http://127.0.0.1:8333 --bucket registry --prefix bench STORE

Every regular file below STORE/docker becomes the object PREFIX/docker/<its path>, written with
one signed (SigV4) PutObject, as the registry's s3 driver writes its files: the store then lists
each object with the MD5 of its bytes as its ETag, as it does for a store the registry wrote
(`weed filer.copy`, by contrast, leaves ETags empty). Path-style requests over keep-alive
connections, --concurrency at once; a failed request is retried (5 attempts). Credentials from
AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, the region from AWS_REGION (default us-east-1).
Prints the number of objects written; exits 1 if any could not be written.
Python 3 standard library only (benchmarks; not used by regsweep).
"""

import argparse
import concurrent.futures
import datetime
import hashlib
import hmac
import http.client
import os
import sys
import threading
import time
import urllib.parse


def signing_key(secret, date, region):
    key = ("AWS4" + secret).encode()
    for part in (date, region, "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


class Uploader:
    def __init__(self, endpoint, bucket, region, access, secret):
        parsed = urllib.parse.urlsplit(endpoint)
        if parsed.scheme != "http" or not parsed.hostname:
            raise SystemExit("--endpoint must be http://HOST:PORT")
        self.host = parsed.hostname
        self.port = parsed.port or 80
        self.host_header = parsed.netloc
        self.bucket = bucket
        self.region = region
        self.access = access
        self.secret = secret
        self.local = threading.local()
        self.keys = {}

    def connection(self, fresh=False):
        if fresh or getattr(self.local, "connection", None) is None:
            if getattr(self.local, "connection", None) is not None:
                self.local.connection.close()
            self.local.connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        return self.local.connection

    def headers(self, path, body):
        now = datetime.datetime.now(datetime.timezone.utc)
        stamp = now.strftime("%Y%m%dT%H%M%SZ")
        date = stamp[:8]
        payload = hashlib.sha256(body).hexdigest()
        canonical = "\n".join([
            "PUT", path, "",
            "host:" + self.host_header, "x-amz-content-sha256:" + payload, "x-amz-date:" + stamp, "",
            "host;x-amz-content-sha256;x-amz-date", payload])
        scope = "/".join([date, self.region, "s3", "aws4_request"])
        to_sign = "\n".join(["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()])
        key = self.keys.get(date)
        if key is None:
            key = self.keys[date] = signing_key(self.secret, date, self.region)
        signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        return {
            "Host": self.host_header, "x-amz-content-sha256": payload, "x-amz-date": stamp,
            "Content-Length": str(len(body)), "Content-Type": "application/octet-stream",
            "Authorization": "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=host;x-amz-content-sha256;x-amz-date, "
                             "Signature=%s" % (self.access, scope, signature),
        }

    def put(self, key, body):
        path = "/" + urllib.parse.quote(self.bucket, safe="") + "/" + urllib.parse.quote(key, safe="/-_.~")
        last = None
        for attempt in range(5):
            try:
                connection = self.connection(fresh=attempt > 0)
                connection.request("PUT", path, body=body, headers=self.headers(path, body))
                response = connection.getresponse()
                answer = response.read()
                if 200 <= response.status < 300:
                    return
                last = "HTTP %d: %s" % (response.status, answer[:200].decode(errors="replace"))
                if response.status < 500:
                    break
            except (OSError, http.client.HTTPException) as error:
                last = repr(error)
            time.sleep(0.05 * 2 ** attempt)
        raise RuntimeError("PUT %s failed: %s" % (key, last))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("store", help="a filesystem store: the directory holding docker/registry/v2")
    parser.add_argument("--endpoint", required=True, help="http://HOST:PORT of the S3 server")
    parser.add_argument("--bucket", required=True)
    parser.add_argument("--prefix", default="", help="key prefix (the registry's rootdirectory)")
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    access = os.environ.get("AWS_ACCESS_KEY_ID")
    secret = os.environ.get("AWS_SECRET_ACCESS_KEY")
    if not access or not secret:
        raise SystemExit("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set")
    uploader = Uploader(args.endpoint, args.bucket, os.environ.get("AWS_REGION", "us-east-1"), access, secret)
    top = os.path.join(args.store, "docker")
    if not os.path.isdir(top):
        raise SystemExit("%s has no docker/ directory" % args.store)
    prefix = args.prefix.strip("/")

    def files():
        for directory, _, names in os.walk(top):
            for name in names:
                path = os.path.join(directory, name)
                if os.path.isfile(path) and not os.path.islink(path):
                    relative = os.path.relpath(path, args.store)
                    yield path, (prefix + "/" if prefix else "") + relative.replace(os.sep, "/")

    def copy(item):
        path, key = item
        with open(path, "rb") as handle:
            uploader.put(key, handle.read())

    written = 0
    failed = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.concurrency) as pool:
        pending = set()
        for item in files():
            pending.add(pool.submit(copy, item))
            if len(pending) >= args.concurrency * 8:
                done, pending = concurrent.futures.wait(pending, return_when=concurrent.futures.FIRST_COMPLETED)
                for future in done:
                    if future.exception() is None:
                        written += 1
                    else:
                        failed += 1
                        print(future.exception(), file=sys.stderr)
        for future in concurrent.futures.as_completed(pending):
            if future.exception() is None:
                written += 1
            else:
                failed += 1
                print(future.exception(), file=sys.stderr)
    print(written)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
