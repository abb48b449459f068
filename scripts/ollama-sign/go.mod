module corral.dev/ollama-sign

go 1.19
