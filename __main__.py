"""aistack: `pulumi up` entry point. All logic lives in the `components` package."""
from components.program import main

main()
