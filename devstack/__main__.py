"""Command line of the dev tooling: ``python -m devstack {demo,production,test,test-ckan,services,periodic,vendor}``
(and the demo's own: sample-feeds, parking-simulator, sample-data, feature-views, datagouv-check)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from devstack.errors import StackError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m devstack")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="run the demo portal until Ctrl-C")
    commands.add_parser(
        "production", help="run the demo portal behind nginx and gunicorn until Ctrl-C"
    )
    # "test" and "test-ckan" pass every following argument to pytest untouched: see main().
    commands.add_parser("test", help="run the test suite (the arguments after it go to pytest)")
    commands.add_parser(
        "test-ckan",
        help="run CKAN's own search tests with issy_search (the arguments after it go to pytest)",
    )
    svc = commands.add_parser("services", help="start or stop the private PostgreSQL and Redis")
    svc.add_argument("action", choices=("up", "down"))
    periodic = commands.add_parser("periodic", help="run the periodic tasks (used by the demo)")
    periodic.add_argument("ini", type=Path)
    commands.add_parser("sample-feeds", help="serve the demo's sample feeds (devstack/samples/)")
    commands.add_parser("parking-simulator", help="serve the demo's simulated real-time parking feeds")
    sample = commands.add_parser("sample-data", help="load the demo's sample data")
    sample.add_argument("ini", type=Path)
    sample.add_argument("admin")
    feature = commands.add_parser(
        "feature-views", help="feature the sample budget's report and the sample election's results once harvested (used by the demo)"
    )
    feature.add_argument("ini", type=Path)
    check = commands.add_parser("datagouv-check", help="harvest a running portal with data.gouv.fr's harvesters")
    check.add_argument("url", nargs="?", help="the portal's root URL (default: the demo's)")
    commands.add_parser(
        "vendor", help="refresh the front-end libraries of ckanext/issy/vendor/ from npm (their lockfile)"
    )
    return parser


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "demo":
        from devstack import demo

        return demo.main()
    if args.command == "production":
        from devstack import production

        return production.main()
    if args.command == "periodic":
        from devstack import periodic

        return periodic.main(args.ini)
    if args.command == "sample-feeds":
        from devstack import sample_data

        return sample_data.serve_feeds()
    if args.command == "parking-simulator":
        from devstack import parking_simulator

        return parking_simulator.serve()
    if args.command == "sample-data":
        from devstack import sample_data

        return sample_data.main(args.ini, args.admin)
    if args.command == "feature-views":
        from devstack import demo, featuring

        return featuring.feature_views(args.ini, demo.ADMIN_NAME)
    if args.command == "datagouv-check":
        from devstack import datagouv

        return datagouv.main(args.url)
    if args.command == "vendor":
        from devstack import vendor

        return vendor.main()
    from devstack import services

    if args.action == "up":
        services.bring_up(automatic=False)
    else:
        services.stop_private()
    return 0


def main() -> int:
    try:
        if sys.argv[1:2] in (["test"], ["test-ckan"]):
            from devstack import testrun

            return testrun.main(sys.argv[2:], ckan_tests_only=sys.argv[1] == "test-ckan")
        return _dispatch(_parser().parse_args())
    except StackError as error:
        print(f"Error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
