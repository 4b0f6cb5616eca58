"""IMS lifecycles: every allowed status change, in one table each."""

from core.lifecycle import Lifecycle
from inventory.models import KitWorkOrderStatus as K

KIT_WORK_ORDER = Lifecycle("kit work order", K, {
    K.DRAFT: {K.RELEASED, K.CANCELLED},
    K.RELEASED: {K.DONE, K.CANCELLED},
    K.DONE: set(),
    K.CANCELLED: set(),
})
