# syntax=docker/dockerfile:1
#
# Billing service image: one image, role chosen by the argument
#   docker run billing:local api | worker | migrate
# A worker for some roles only (docs/operations.md, "Worker roles"): `worker --only pdf`, or Worker__Only=pdf.
# It also carries the payment providers' stand-in (docker-compose.yml's "providers"):
#   docker run --entrypoint dotnet billing:local /app/providers-standin/Billing.Providers.StandIn.dll
#
# Runtime base note: since .NET 10 the mcr.microsoft.com/dotnet/aspnet:10.0 tags are
# Ubuntu 24.04 and no Debian variant is published. On Ubuntu `apt-get install chromium`
# only installs a snap wrapper, which cannot run in a container. So the runtime stage is
# Debian 12 (same Chromium package the native dev setup uses) with the ASP.NET Core
# shared runtime copied from the official aspnet:10.0 image (the .NET binaries there are
# the portable linux builds, which run on any supported glibc distro).

ARG DOTNET_VERSION=10.0

# ---------------------------------------------------------------- build
FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION} AS build
WORKDIR /src

COPY global.json Directory.Build.props Directory.Packages.props ./
COPY src/ src/
# Billing.csproj links ../../migrations/*.sql into the output (for `billing migrate`).
COPY migrations/ migrations/

RUN --mount=type=cache,id=billing-nuget,target=/root/.nuget/packages \
    dotnet publish src/Billing/Billing.csproj -c Release -o /app -p:UseAppHost=false \
 && dotnet publish src/Billing.Providers.StandIn/Billing.Providers.StandIn.csproj -c Release -o /app/providers-standin -p:UseAppHost=false

# ---------------------------------------------------------------- runtime
FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION} AS aspnet

FROM debian:bookworm-slim AS runtime

# .NET runtime dependencies, then Chromium's headless shell (the statements' printer) and a font for the PDFs.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ca-certificates libc6 libgcc-s1 libicu72 libssl3 libstdc++6 tzdata zlib1g \
      chromium-headless-shell fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*

COPY --from=aspnet /usr/share/dotnet /usr/share/dotnet
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet \
 && dotnet --list-runtimes

# Same conventions as the official aspnet image: non-root "app" user (uid 1654), port 8080.
ENV APP_UID=1654 \
    ASPNETCORE_HTTP_PORTS=8080 \
    DOTNET_RUNNING_IN_CONTAINER=true \
    DOTNET_NOLOGO=true
RUN groupadd --gid "$APP_UID" app \
 && useradd --uid "$APP_UID" --gid app --create-home --home-dir /home/app --shell /usr/sbin/nologin app

# Statement PDFs (the filesystem store): /app is root's, so they go here, owned by the app user. docker-compose.yml mounts
# its "statements" volume on it; a new named volume is initialised with this directory's owner, so it is writable too.
ENV Statements__Pdf__Directory=/var/lib/billing/statements
RUN mkdir -p /var/lib/billing/statements \
 && chown -R "$APP_UID:$APP_UID" /var/lib/billing

WORKDIR /app
COPY --from=build --chown=root:root /app ./

# Chromium keeps its profile/crash data under $HOME, which must be writable.
ENV HOME=/home/app
USER $APP_UID
EXPOSE 8080

ENTRYPOINT ["dotnet", "Billing.dll"]
CMD ["api"]
