from firegrid.cli import main

main()
