#!/bin/sh
# Installs the Debian packages the tests need (npm run setup:system; .ci/run calls it too):
# - the real test peers, MIT Kerberos KDC and django-cas-server, and the headers the kerberos
#   binding builds against;
# - curl, the third-party SPNEGO client of the end-to-end test;
# - Chromium, the browser of the /docs test (driven by playwright-core, never a downloaded browser);
# - Java, for Amazon's DynamoDB Local, which the store tests also run against (only if missing).
set -eu
packages="krb5-kdc krb5-admin-server krb5-user libkrb5-dev python3-django-cas-server curl chromium"
command -v java > /dev/null || packages="$packages default-jre-headless"
sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq $packages > /dev/null
