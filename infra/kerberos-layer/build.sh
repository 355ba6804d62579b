#!/usr/bin/env bash
# Builds the Lambda layer that gives the sso function its Kerberos support: the `kerberos`
# binding compiled for the Lambda runtime (Amazon Linux 2023, Node.js 24) and the MIT krb5
# libraries it loads at run time (libgssapi_krb5, libkrb5, libk5crypto, libcom_err,
# libkrb5support, libkeyutils). The bundle of the function leaves `kerberos` out on purpose.
#
#   infra/kerberos-layer/build.sh [arm64|x86_64]      -> .layers/kerberos-<arch>.zip
#   aws lambda publish-layer-version --layer-name xuc-auth-kerberos \
#       --zip-file fileb://.layers/kerberos-arm64.zip --compatible-runtimes nodejs24.x \
#       --compatible-architectures arm64
#   KERBEROS_LAYER_ARN=<the LayerVersionArn> npx osls deploy --stage <stage>
#
# It needs Docker (or Podman as `docker`) on the machine that runs it, and the architecture of
# the functions (serverless.yml: arm64 by default).
set -euo pipefail
arch=${1:-arm64}
case "$arch" in arm64) platform=linux/arm64 ;; x86_64) platform=linux/amd64 ;; *) echo "arch must be arm64 or x86_64" >&2; exit 2 ;; esac
root=$(cd "$(dirname "$0")/../.." && pwd)
version=$(node -p "require('$root/package.json').optionalDependencies.kerberos")
mkdir -p "$root/.layers"

docker run --rm --platform "$platform" -v "$root/.layers:/out" --entrypoint /bin/bash \
  public.ecr.aws/lambda/nodejs:24 -c "
    set -euo pipefail
    dnf install -y -q krb5-devel krb5-libs keyutils-libs gcc-c++ make python3 zip findutils >/dev/null
    mkdir -p /layer/nodejs /layer/lib
    cd /layer/nodejs
    npm init -y >/dev/null
    npm install --omit=dev --build-from-source kerberos@$version
    for lib in libgssapi_krb5.so.2 libkrb5.so.3 libk5crypto.so.3 libcom_err.so.2 libkrb5support.so.0 libkeyutils.so.1; do
      cp -L \"\$(find /usr/lib64 /lib64 -name \"\$lib\" | head -1)\" /layer/lib/
    done
    # Proves the binding loads against the copied libraries alone, as it will on Lambda.
    LD_LIBRARY_PATH=/layer/lib NODE_PATH=/layer/nodejs/node_modules node -e \"require('kerberos'); console.log('kerberos binding loads')\"
    cd /layer && zip -q -r /out/kerberos-$arch.zip nodejs lib
  "
echo "layer written to .layers/kerberos-$arch.zip"
