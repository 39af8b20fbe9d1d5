"""Writing the built site into its output folder (whole site or nothing), and files a writer asked for."""
