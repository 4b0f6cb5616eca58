from celery import shared_task

from orders.services.allocation import order_allocate


@shared_task(name="orders.allocate_order", ignore_result=True, autoretry_for=(Exception,), retry_backoff=2, max_retries=5)
def allocate_order(order_id: int) -> None:
    order_allocate(order_id=order_id)
