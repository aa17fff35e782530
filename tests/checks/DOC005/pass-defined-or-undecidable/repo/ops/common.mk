deploy:
	kubectl apply -f k8s/
